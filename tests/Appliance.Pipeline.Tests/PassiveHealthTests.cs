namespace Appliance.Pipeline.Tests;

/// <summary>Passive health in the switch: which replies reach table 8, what is reported, and the meters.</summary>
[TestClass]
public sealed class PassiveHealthTests
{
    private static readonly Dictionary<string, MacAddress> Macs = new()
    {
        ["master"] = MacAddress.Parse("02:00:c6:12:00:01"),
        ["slave"] = MacAddress.Parse("02:00:c6:12:00:02"),
    };

    private static ApplianceConfig Config(string health = "", string mode = "nat") => ConfigLoader.Parse($$"""
        bridge: { name: br0, management: 198.18.0.6/24 }
        service: { vip: 198.18.0.100, mode: {{mode}} }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        health: { probe: http{{health}} }
        """, "test.yml");

    private static RuleSet Build(string health = "", string mode = "nat") =>
        new RuleBuilder(Config(health, mode)).Build(new(["master", "slave"], "master"), Macs);

    private static IEnumerable<FlowEntry> Table(RuleSet rules, byte table) => rules.Flows.Where(f => f.TableId == table);

    [TestMethod]
    public void OnlyUnansweredRepliesOnTheWatchedPortsReachTable8()
    {
        foreach (var mode in new[] { "nat", "dsr" })
        {
            var watch = Table(Build(", passive_ports: [80, 7]", mode), 6).Where(f => f.Priority == 100).Select(f => f.Match.ToString()).ToList();
            CollectionAssert.AreEquivalent(new[]
            {
                "eth_type=0x800,ct_state=0x28/0x28,ct_nw_proto=6,ct_tp_dst=80,ct_label=0x0/0x1",
                "eth_type=0x800,ip_proto=1,ct_state=0x24/0x24,ct_nw_proto=17,ct_tp_dst=80",
                "eth_type=0x800,ct_state=0x28/0x28,ct_nw_proto=6,ct_tp_dst=7,ct_label=0x0/0x1",
                "eth_type=0x800,ip_proto=1,ct_state=0x24/0x24,ct_nw_proto=17,ct_tp_dst=7",
            }, watch, mode);
        }
        var rules = Build();
        // The reply leaves first, as every reply from the VIP does; table 8 only adds to it.
        var tcp = Table(rules, 6).First(f => f.Cookie == Cookies.Of(RuleKind.PassiveWatch, 0));
        Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:64->eth_src,output:NORMAL),goto_table:8", tcp.Instructions.ToString());
    }

    [TestMethod]
    public void EachServersRefusalsGoToTheFirmwareThroughItsOwnMeter()
    {
        var rules = Build();
        var master = Table(rules, 8).Where(f => f.Cookie == Cookies.Of(RuleKind.Refusal, 1)).ToList();
        CollectionAssert.AreEquivalent(new[]
        {
            "eth_type=0x800,in_port=1,ip_proto=6,tcp_flags=+rst,ct_state=0x20/0x30,ct_nw_proto=6",
            "eth_type=0x800,in_port=1,ip_proto=1,icmpv4_type=3,icmpv4_code=1,ct_state=0x20/0x30,ct_nw_proto=17",
            "eth_type=0x800,in_port=1,ip_proto=1,icmpv4_type=3,icmpv4_code=3,ct_state=0x20/0x30,ct_nw_proto=17",
        }, master.Select(f => f.Match.ToString()).ToList());
        // The slave is not the active server: its reports carry no reflex.
        var slave = Table(rules, 8).Where(f => f.Cookie == Cookies.Of(RuleKind.Refusal, 2)).ToList();
        Assert.HasCount(3, slave);
        Assert.IsTrue(slave.All(f => f.Instructions.ToString() == "apply_actions(controller(max_len=160,meter_id=2))"), slave[0].Instructions.ToString());
        Assert.IsTrue(master.All(f => Reconciler.MetersOf(f.Instructions).Single() == 1));
        var answered = Table(rules, 8).Single(f => f.Cookie == Cookies.Of(RuleKind.PassiveWatch, 2));
        Assert.AreEqual("eth_type=0x800,ip_proto=6", answered.Match.ToString());
        Assert.AreEqual("apply_actions(ct(commit,zone=102,exec(set_field:0x1->ct_label)))", answered.Instructions.ToString());
        Assert.IsTrue(Table(rules, 8).Single(f => f.Priority == 0).Instructions.IsEmpty, "the reply has left already");

        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rules.Meters.Select(m => m.MeterId).ToArray());
        Assert.IsTrue(rules.Meters.All(m => m.Flags == (OfpMeterFlags.Pktps | OfpMeterFlags.Burst) && m.Bands.Single() == MeterBand.Drop(200, 50)));
    }

    [TestMethod]
    public void OffOrNoPortMeansNoRulesAndNoMeters()
    {
        foreach (var health in new[] { ", passive: off", ", passive_ports: []" })
        {
            var rules = Build(health);
            Assert.IsEmpty(Table(rules, 8), health);
            Assert.IsEmpty(Table(rules, 6).Where(f => f.Priority > 0), health);
            Assert.IsEmpty(rules.Meters, health);
        }
    }

    [TestMethod]
    public void MetersComeFirstAndGoLast()
    {
        var rules = Build();
        var messages = Reconciler.Diff(RuleSet.Empty, rules);
        Assert.IsTrue(messages.Take(2).All(m => m is MeterMod { Command: OfpMeterModCommand.Add }));
        Assert.IsFalse(messages.Skip(2).Any(m => m is MeterMod));

        var off = Build(", passive: off");
        var removal = Reconciler.Diff(rules, off);
        Assert.IsTrue(removal.TakeLast(2).All(m => m is MeterMod { Command: OfpMeterModCommand.Delete }), "after the flows that use them");
        Assert.IsFalse(removal.SkipLast(2).Any(m => m is MeterMod));
    }

    [TestMethod]
    public void AFlowWhoseMeterWasMissingIsAddedAgain()
    {
        // OVS binds a controller action to its meter when the flow is added.
        var rules = Build();
        var withoutMeters = rules with { Meters = [] };
        var messages = Reconciler.Diff(withoutMeters, rules);
        Assert.AreEqual(2, messages.Count(m => m is MeterMod { Command: OfpMeterModCommand.Add }));
        var readded = messages.OfType<FlowMod>().ToList();
        Assert.HasCount(6, readded, "three reports per server");
        Assert.IsTrue(readded.All(f => Cookies.KindOf(f.Cookie) == RuleKind.Refusal));

        var changed = rules with { Meters = [.. rules.Meters.Select(m => m with { Bands = [MeterBand.Drop(5, 1)] })] };
        var modify = Reconciler.Diff(changed, rules);
        Assert.IsTrue(modify.All(m => m is MeterMod { Command: OfpMeterModCommand.Modify }), "a changed meter keeps its flows");
        Assert.HasCount(2, modify);
    }
}
