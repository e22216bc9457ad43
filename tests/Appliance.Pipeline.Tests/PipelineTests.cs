using System.Net;

namespace Appliance.Pipeline.Tests;

[TestClass]
public sealed class PipelineTests
{
    private static readonly MacAddress MasterMac = MacAddress.Parse("02:00:c6:12:00:01");
    private static readonly MacAddress SlaveMac = MacAddress.Parse("02:00:c6:12:00:02");
    private static readonly Dictionary<string, MacAddress> Macs = new() { ["master"] = MasterMac, ["slave"] = SlaveMac };

    private static ApplianceConfig Config(string mode = "nat") => ConfigLoader.Parse($$"""
        bridge: { name: br0, management: 198.18.0.6/24 }
        service: { vip: 198.18.0.100, mode: {{mode}} }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        """, "test.yml");

    private static DesiredSwitchState Desired(params string[] buckets) => new([.. buckets], buckets.FirstOrDefault());

    private static FlowEntry Flow(RuleSet rules, RuleKind kind, uint index = 0) => rules.Flows.Single(f => f.Cookie == Cookies.Of(kind, index));

    [TestMethod]
    public void NatModeTranslatesInEachServersZoneAndBack()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master", "slave"), Macs);
        var group = rules.Groups.Single();
        Assert.AreEqual(OfpGroupType.FastFailover, group.Type);
        Assert.AreEqual(
            "bucket=watch_port:1,actions=ct(commit,table=4,zone=100,nat(dst=198.18.0.1)),bucket=watch_port:2,actions=ct(commit,table=4,zone=101,nat(dst=198.18.0.2))",
            string.Join(",", group.Buckets));
        Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:01->eth_dst,output:1)", Flow(rules, RuleKind.Deliver, 1).Instructions.ToString());
        Assert.AreEqual("apply_actions(ct(table=3,zone=101,nat))", Flow(rules, RuleKind.ReplyTrack, 2).Instructions.ToString());
        Assert.AreEqual("eth_type=0x800,ipv4_src=198.18.0.100", Flow(rules, RuleKind.ReplyFromVip).Match.ToString());
        Assert.AreEqual("apply_actions(group:1)", Flow(rules, RuleKind.VipToGroup).Instructions.ToString());
        Assert.AreEqual(Match.Any, Flow(rules, RuleKind.Normal).Match);
    }

    [TestMethod]
    public void DsrModeRewritesOnlyTheDestinationMac()
    {
        var rules = new RuleBuilder(Config("dsr")).Build(Desired("slave", "master"), Macs);
        Assert.AreEqual(
            "bucket=watch_port:2,actions=set_field:02:00:c6:12:00:02->eth_dst,output:2,bucket=watch_port:1,actions=set_field:02:00:c6:12:00:01->eth_dst,output:1",
            string.Join(",", rules.Groups.Single().Buckets));
        Assert.IsFalse(rules.Flows.Any(f => f.Instructions.ToString().Contains("ct(", StringComparison.Ordinal)), "no conntrack in DSR mode");
        Assert.AreEqual("in_port=2,eth_type=0x800,ipv4_src=198.18.0.100", Flow(rules, RuleKind.DsrReply, 2).Match.ToString());
    }

    [TestMethod]
    public void ArpForTheVipIsAnsweredByTheSwitchAndNoPortMayClaimIt()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master"), Macs);
        var responder = Flow(rules, RuleKind.ArpResponder);
        Assert.AreEqual("eth_type=0x806,arp_op=1,arp_tpa=198.18.0.100", responder.Match.ToString());
        StringAssert.Contains(responder.Instructions.ToString(), "set_field:02:00:c6:12:00:64->arp_sha");
        StringAssert.EndsWith(responder.Instructions.ToString(), "output:IN_PORT)");
        // A DSR server's loopback VIP, or an office host, claiming the VIP is dropped before the classifier.
        var guard = Flow(rules, RuleKind.ArpGuard, Cookies.Nobody);
        Assert.AreEqual("eth_type=0x806,arp_spa=198.18.0.100", guard.Match.ToString());
        Assert.IsTrue(guard.Instructions.IsEmpty, "dropped");
        Assert.IsTrue(guard.TableId < responder.TableId);
        Assert.IsFalse(rules.Flows.Any(f => f.Cookie == Cookies.Of(RuleKind.GuardPass, 1) && f.Match.TryGet(OxmFieldId.ArpSpa, out var spa) && spa.AsUInt32 == Ipv4.ToUInt32(IPAddress.Parse("198.18.0.100"))));
    }

    [TestMethod]
    public void AServerWithoutAKnownMacIsLeftOut()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master", "slave"), new Dictionary<string, MacAddress> { ["slave"] = SlaveMac });
        Assert.AreEqual(2u, rules.Groups.Single().Buckets.Single().WatchPort);
        Assert.IsFalse(rules.Flows.Any(f => f.Cookie == Cookies.Of(RuleKind.Deliver, 1)));
    }

    [TestMethod]
    public void BucketsAndMacsAreReadBackFromTheRules()
    {
        foreach (var mode in new[] { "nat", "dsr" })
        {
            var builder = new RuleBuilder(Config(mode));
            var rules = builder.Build(Desired("slave", "master"), Macs, MacAddress.Parse("02:00:c6:12:00:06"));
            CollectionAssert.AreEqual(new[] { "slave", "master" }, builder.ServersOf(rules)!.ToArray(), mode);
            CollectionAssert.AreEquivalent(Macs, builder.MacsOf(rules).ToDictionary(), mode);
            // The guard binds every known MAC, so a server out of the group keeps its MAC across a firmware restart too.
            CollectionAssert.AreEquivalent(Macs, builder.MacsOf(builder.Build(Desired("slave"), Macs)).ToDictionary(), mode);
        }
        Assert.IsNull(new RuleBuilder(Config()).ServersOf(RuleSet.Empty));
    }

    [TestMethod]
    public void ReconcilingARuleSetWithItselfSendsNothing()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master", "slave"), Macs);
        Assert.IsEmpty(Reconciler.Diff(rules, rules));
    }

    [TestMethod]
    public void AFailoverIsOneAtomicGroupChange()
    {
        var builder = new RuleBuilder(Config());
        var before = builder.Build(Desired("master", "slave"), Macs);
        var after = builder.Build(Desired("slave"), Macs);
        var change = Reconciler.Diff(before, after).Single();
        var mod = (GroupMod)change;
        Assert.AreEqual(OfpGroupModCommand.Modify, mod.Command);
        Assert.AreEqual(2u, mod.Buckets.Single().WatchPort);
    }

    [TestMethod]
    public void AnEmptySwitchGetsGroupsBeforeTheFlowsThatUseThem()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master", "slave"), Macs);
        var messages = Reconciler.Diff(RuleSet.Empty, rules);
        Assert.IsInstanceOfType<GroupMod>(messages[0]);
        Assert.AreEqual(rules.Flows.Count + 1, messages.Count);
        Assert.IsTrue(messages.Skip(1).All(m => m is FlowMod { Command: OfpFlowModCommand.Add }));
    }

    [TestMethod]
    public void StrangersAreRemovedAndChangedRulesReplacedInPlace()
    {
        var builder = new RuleBuilder(Config());
        var desired = builder.Build(Desired("master", "slave"), Macs);
        var stranger = new FlowEntry(0, 5, Match.Of(OxmField.InPort(4)), 0, InstructionList.Apply(new OutputAction(OfpPort.Flood)));
        var stale = Flow(desired, RuleKind.VipToGroup) with { Instructions = InstructionList.Apply(new GroupAction(7)) };
        var strangeGroup = new GroupEntry(7, OfpGroupType.All, []);
        var current = new RuleSet([.. desired.Flows.Where(f => f.Cookie != stale.Cookie), stale, stranger], [.. desired.Groups, strangeGroup]);
        var messages = Reconciler.Diff(current, desired);
        Assert.HasCount(3, messages);
        Assert.AreEqual(OfpFlowModCommand.Add, ((FlowMod)messages[0]).Command);
        Assert.AreEqual("apply_actions(group:1)", ((FlowMod)messages[0]).Instructions.ToString());
        Assert.AreEqual(new FlowMod { Command = OfpFlowModCommand.DeleteStrict, Priority = 5, Match = stranger.Match }, messages[1]);
        Assert.AreEqual(OfpGroupModCommand.Delete, ((GroupMod)messages[2]).Command);
    }

    [TestMethod]
    public void OpenVSwitchAcceptsEveryRule()
    {
        foreach (var mode in new[] { "nat", "dsr" })
        {
            var rules = new RuleBuilder(Config(mode)).Build(Desired("master", "slave"), Macs);
            foreach (var message in Reconciler.Diff(RuleSet.Empty, rules))
            {
                var printed = Ovs.OfpPrint(OfpCodec.Encode(message, 1));
                Assert.DoesNotContain("error", printed, printed);
            }
        }
    }

    [TestMethod]
    public void CookiesSayWhatARuleIsFor()
    {
        Assert.AreEqual(0x401UL, Cookies.Of(RuleKind.ReplyTrack, 1));
        Assert.AreEqual("track replies of server port 1", Cookies.Describe(0x401));
        Assert.AreEqual("drop server port 2's MAC from other ports", Cookies.Describe(0x802));
        Assert.AreEqual("drop ARP claiming the management port's address from other ports", Cookies.Describe(0x9fe));
        Assert.AreEqual("drop IPv4 from the VIP's address from other ports", Cookies.Describe(0xa00));
        Assert.AreEqual("management path to server port 1", Cookies.Describe(0xc01));
        Assert.AreEqual("not ours", Cookies.Describe(0));
    }
}
