namespace Appliance.Pipeline.Tests;

/// <summary>The rules of a pair's standby box (docs/pair.md): nothing for the VIP; its probes still reach the servers.</summary>
[TestClass]
public sealed class PairStandbyTests
{
    private static readonly Dictionary<string, MacAddress> Macs = new()
    {
        ["master"] = MacAddress.Parse("02:00:c6:12:00:01"),
        ["slave"] = MacAddress.Parse("02:00:c6:12:00:02"),
    };

    private static readonly ApplianceConfig Config = ConfigLoader.Parse("""
        bridge: { name: br0, management: 198.18.0.6/24 }
        service: { vip: 198.18.0.100 }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        """, "test.yml");

    private static RuleSet Standby() => new RuleBuilder(Config).Build(new DesiredSwitchState([], null, [], Standby: true), Macs);

    private static RuleSet Active() => new RuleBuilder(Config).Build(new DesiredSwitchState(["master", "slave"], "master"), Macs);

    private static IEnumerable<FlowEntry> OfKind(RuleSet rules, RuleKind kind) => rules.Flows.Where(f => Cookies.KindOf(f.Cookie) == kind);

    [TestMethod]
    public void TheStandbyAnswersNoArpForTheVipAndDropsItsTraffic()
    {
        var rules = Standby();

        Assert.IsFalse(OfKind(rules, RuleKind.ArpResponder).Any(), "the VIP is the active box's");
        var arp = rules.Flows.Single(f => f.Cookie == Cookies.Of(RuleKind.PairStandby, 0));
        Assert.AreEqual(RuleBuilder.ArpRequestFor(Config.Service.Vip), arp.Match);
        Assert.AreEqual(InstructionList.Empty, arp.Instructions);
        var ipv4 = rules.Flows.Single(f => f.Cookie == Cookies.Of(RuleKind.PairStandby, 1));
        Assert.AreEqual(InstructionList.Empty, ipv4.Instructions);
        var vmac = rules.Flows.Single(f => f.Cookie == Cookies.Of(RuleKind.PairStandby, 2));
        Assert.AreEqual(0, vmac.TableId, "dropped before any guard or learning");
        // Above the VIP's own rules in the classifier (800 for IPv4, 1000 for ARP).
        Assert.IsTrue(ipv4.Priority > rules.Flows.Where(f => f.TableId == 2 && Cookies.KindOf(f.Cookie) != RuleKind.PairStandby).Max(f => f.Priority));
        Assert.IsTrue(rules.Groups.Single(g => g.GroupId == RuleBuilder.VipGroup).Buckets.Count == 0, "no server takes a connection");
    }

    [TestMethod]
    public void TheStandbyProbesItsServersOverItsOwnServerPortsWhileTheyAreUp()
    {
        var standby = Standby();
        var active = Active();

        CollectionAssert.AreEqual(
            OfKind(active, RuleKind.ManagementPath).Select(f => f.ToString()).ToList(),
            OfKind(standby, RuleKind.ManagementPath).Select(f => f.ToString()).ToList());
    }

    [TestMethod]
    public void AnActiveBoxHasNoStandbyRules()
    {
        var rules = Active();

        Assert.IsFalse(OfKind(rules, RuleKind.PairStandby).Any());
        Assert.AreEqual(1, OfKind(rules, RuleKind.ArpResponder).Count());
    }

    [TestMethod]
    public void StandbyCookiesReadAsWhatTheyAreFor()
    {
        Assert.AreEqual("standby box of a pair: ARP for the VIP unanswered", Cookies.Describe(Cookies.Of(RuleKind.PairStandby, 0)));
        Assert.AreEqual("standby box of a pair: IPv4 to the VIP dropped", Cookies.Describe(Cookies.Of(RuleKind.PairStandby, 1)));
    }
}
