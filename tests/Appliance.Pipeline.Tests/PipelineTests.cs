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

    private static GroupEntry Group(RuleSet rules, uint id) => rules.Groups.Single(g => g.GroupId == id);

    private static string BucketsOf(RuleSet rules, uint id) => string.Join(",", Group(rules, id).Buckets);

    [TestMethod]
    public void NewConnectionsArePinnedToTheFirstLiveServerInThePinZone()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master", "slave"), Macs);
        Assert.AreEqual("apply_actions(ct(table=5,zone=102))", Flow(rules, RuleKind.VipToGroup).Instructions.ToString());
        Assert.AreEqual(Match.Any, Flow(rules, RuleKind.NewConnection).Match);
        Assert.AreEqual("apply_actions(group:1)", Flow(rules, RuleKind.NewConnection).Instructions.ToString());
        Assert.AreEqual(OfpGroupType.FastFailover, Group(rules, RuleBuilder.VipGroup).Type);
        Assert.AreEqual(
            "bucket=watch_port:1,actions=ct(commit,table=7,zone=102,exec(set_field:0x1->ct_mark)),bucket=watch_port:2,actions=ct(commit,table=7,zone=102,exec(set_field:0x2->ct_mark))",
            BucketsOf(rules, RuleBuilder.VipGroup));
        // Pinned (table 5) and just pinned (table 7): the mark picks the server's group.
        foreach (var table in new byte[] { 5, 7 })
        {
            var pinned = rules.Flows.Single(f => f.TableId == table && f.Cookie == Cookies.Of(RuleKind.Pinned, 2));
            Assert.AreEqual("ct_mark=0x2", pinned.Match.ToString());
            Assert.AreEqual("apply_actions(group:3)", pinned.Instructions.ToString());
        }
        Assert.IsTrue(Flow(rules, RuleKind.NotCommitted).Instructions.IsEmpty, "a packet conntrack would not commit is dropped, never sent back to group 1");
    }

    [TestMethod]
    public void NatModeTranslatesInEachServersZoneAndBack()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master", "slave"), Macs);
        Assert.AreEqual(
            "bucket=watch_port:1,actions=ct(commit,table=4,zone=100,nat(dst=198.18.0.1)),bucket=watch_port:2,actions=ct(commit,table=7,zone=102,exec(set_field:0x2->ct_mark))",
            BucketsOf(rules, RuleBuilder.PinnedGroup(0)));
        Assert.AreEqual(
            "bucket=watch_port:2,actions=ct(commit,table=4,zone=101,nat(dst=198.18.0.2)),bucket=watch_port:1,actions=ct(commit,table=7,zone=102,exec(set_field:0x1->ct_mark))",
            BucketsOf(rules, RuleBuilder.PinnedGroup(1)));
        Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:01->eth_dst,output:1)", Flow(rules, RuleKind.Deliver, 1).Instructions.ToString());
        Assert.AreEqual("apply_actions(ct(table=3,zone=101,nat))", Flow(rules, RuleKind.ReplyTrack, 2).Instructions.ToString());
        // Replies, translated back to the VIP, pass the pin zone so the connection is established there.
        Assert.AreEqual("eth_type=0x800,ipv4_src=198.18.0.100", Flow(rules, RuleKind.ReplyFromVip).Match.ToString());
        Assert.AreEqual("apply_actions(ct(table=6,zone=102))", Flow(rules, RuleKind.ReplyFromVip).Instructions.ToString());
        Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:64->eth_src,output:NORMAL)", Flow(rules, RuleKind.ReplyFromVip, 1).Instructions.ToString());
        Assert.AreEqual(Match.Any, Flow(rules, RuleKind.Normal).Match);
    }

    [TestMethod]
    public void DsrModeRewritesOnlyTheDestinationMacAndTracksWithoutTranslating()
    {
        var rules = new RuleBuilder(Config("dsr")).Build(Desired("slave", "master"), Macs);
        Assert.AreEqual(
            "bucket=watch_port:2,actions=ct(commit,table=4,zone=101),bucket=watch_port:1,actions=ct(commit,table=7,zone=102,exec(set_field:0x1->ct_mark))",
            BucketsOf(rules, RuleBuilder.PinnedGroup(1)));
        Assert.IsFalse(rules.Flows.Any(f => f.Instructions.ToString().Contains("nat", StringComparison.Ordinal)), "no NAT in DSR mode");
        Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:02->eth_dst,output:2)", Flow(rules, RuleKind.Deliver, 2).Instructions.ToString());
        Assert.AreEqual("eth_type=0x800,in_port=2,ipv4_src=198.18.0.100", Flow(rules, RuleKind.DsrReply, 2).Match.ToString());
        Assert.AreEqual("apply_actions(ct(table=3,zone=101))", Flow(rules, RuleKind.DsrReply, 2).Instructions.ToString());
    }

    [TestMethod]
    public void AHardDownServerNoLongerTakesItsOwnConnectionsTheyArePinnedToTheNext()
    {
        var builder = new RuleBuilder(Config());
        var rules = builder.Build(new DesiredSwitchState(["slave"], "slave", ["master"]), Macs);
        Assert.AreEqual("bucket=watch_port:2,actions=ct(commit,table=7,zone=102,exec(set_field:0x2->ct_mark))", BucketsOf(rules, RuleBuilder.PinnedGroup(0)));
        // Soft-down (out of the new connections' group, not hard-down): its connections stay.
        var soft = builder.Build(Desired("slave"), Macs);
        Assert.AreEqual(1u, Group(soft, RuleBuilder.PinnedGroup(0)).Buckets[0].WatchPort);
        Assert.AreEqual(2u, Group(soft, RuleBuilder.VipGroup).Buckets.Single().WatchPort);
        // Read back after a firmware restart.
        CollectionAssert.AreEquivalent(new[] { "master" }, builder.HardDownOf(rules).ToArray());
        Assert.IsEmpty(builder.HardDownOf(soft));
    }

    [TestMethod]
    public void ARepinNeverPointsAtAServerThatCannotTakeItsOwnConnections()
    {
        var builder = new RuleBuilder(Config());
        foreach (var desired in new DesiredSwitchState[] { new(["slave"], "slave", ["master"]), new(["master", "slave"], "master"), new([], null, ["master", "slave"]) })
        {
            var rules = builder.Build(desired, Macs);
            foreach (var group in rules.Groups)
            {
                foreach (var bucket in group.Buckets.Where(b => b.Actions.ToString().Contains("ct_mark", StringComparison.Ordinal)))
                {
                    var target = Config().FindServerByPort(bucket.WatchPort)!;
                    var own = Group(rules, RuleBuilder.PinnedGroup(Config().PriorityOf(target.Name)));
                    Assert.AreEqual(bucket.WatchPort, own.Buckets[0].WatchPort, $"{desired}: a re-pin to {target.Name} must find its own bucket first");
                }
            }
        }
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
        var builder = new RuleBuilder(Config());
        var rules = builder.Build(Desired("master", "slave"), new Dictionary<string, MacAddress> { ["slave"] = SlaveMac });
        Assert.AreEqual(2u, Group(rules, RuleBuilder.VipGroup).Buckets.Single().WatchPort);
        Assert.AreEqual(2u, Group(rules, RuleBuilder.PinnedGroup(0)).Buckets.Single().WatchPort, "its connections go where they can be delivered");
        Assert.IsFalse(rules.Flows.Any(f => f.Cookie == Cookies.Of(RuleKind.Deliver, 1)));
        Assert.IsEmpty(builder.HardDownOf(rules), "no MAC is no hard-down");
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
        // Without passive health's reflex (below) a failover changes groups and nothing else.
        var config = ConfigLoader.Parse("""
            bridge: { name: br0, management: 198.18.0.6/24 }
            service: { vip: 198.18.0.100 }
            servers:
              - { name: master, address: 198.18.0.1, port: 1 }
              - { name: slave, address: 198.18.0.2, port: 2 }
            health: { passive: off }
            """, "test.yml");
        var builder = new RuleBuilder(config);
        var before = builder.Build(Desired("master", "slave"), Macs);
        var after = builder.Build(new DesiredSwitchState(["slave"], "slave", ["master"]), Macs);
        // New connections and master's pinned ones move; slave's pinned group loses its re-pin to master.
        var changes = Reconciler.Diff(before, after).Cast<GroupMod>().ToList();
        Assert.IsTrue(changes.All(m => m.Command == OfpGroupModCommand.Modify));
        CollectionAssert.AreEquivalent(new uint[] { 1, 2, 3 }, changes.Select(m => m.GroupId).ToArray());
        Assert.AreEqual(2u, changes.Single(m => m.GroupId == RuleBuilder.VipGroup).Buckets.Single().WatchPort);
    }

    [TestMethod]
    public void WithTheReflexTheGroupsMoveFirstAndTheReflexGoesAfter()
    {
        var builder = new RuleBuilder(Config());
        var before = builder.Build(Desired("master", "slave"), Macs);
        var after = builder.Build(new DesiredSwitchState(["slave"], "slave", ["master"]), Macs);
        var changes = Reconciler.Diff(before, after);
        // The same three group changes come first: traffic moves in one step, as without the reflex.
        CollectionAssert.AreEquivalent(new uint[] { 1, 2, 3 }, changes.Take(3).Cast<GroupMod>().Select(m => m.GroupId).ToArray());
        Assert.IsTrue(changes.Take(3).Cast<GroupMod>().All(m => m.Command == OfpGroupModCommand.Modify));
        // Then what only served the reflex goes: its flows, what the switch learned, the fallback group last.
        var deleteLearned = changes.OfType<FlowMod>().Single(m => m.Command == OfpFlowModCommand.Delete);
        Assert.AreEqual(Cookies.Of(RuleKind.Reflex), deleteLearned.Cookie);
        Assert.AreEqual(Cookies.KindMask, deleteLearned.CookieMask);
        Assert.AreEqual(9, deleteLearned.TableId);
        Assert.AreEqual(RuleBuilder.FallbackGroup, ((GroupMod)changes[^1]).GroupId);
        Assert.AreEqual(OfpGroupModCommand.Delete, ((GroupMod)changes[^1]).Command);
        Assert.AreEqual(LearnedFlows.Nothing, after.Learned!.Basis, "one server left: nothing to fall back to");
    }

    [TestMethod]
    public void AnEmptySwitchGetsMetersAndGroupsBeforeTheFlowsThatUseThem()
    {
        var rules = new RuleBuilder(Config()).Build(Desired("master", "slave"), Macs);
        var messages = Reconciler.Diff(RuleSet.Empty, rules);
        var meters = rules.Meters.Count;
        Assert.AreEqual(meters + rules.Groups.Count + rules.Flows.Count, messages.Count);
        Assert.IsTrue(messages.Take(meters).All(m => m is MeterMod { Command: OfpMeterModCommand.Add }));
        Assert.IsTrue(messages.Skip(meters).Take(rules.Groups.Count).All(m => m is GroupMod { Command: OfpGroupModCommand.Add }));
        Assert.IsTrue(messages.Skip(meters + rules.Groups.Count).All(m => m is FlowMod { Command: OfpFlowModCommand.Add }));
    }

    [TestMethod]
    public void StrangersAreRemovedAndChangedRulesReplacedInPlace()
    {
        var builder = new RuleBuilder(Config());
        var desired = builder.Build(Desired("master", "slave"), Macs);
        var stranger = new FlowEntry(0, 5, Match.Of(OxmField.InPort(4)), 0, InstructionList.Apply(new OutputAction(OfpPort.Flood)));
        var stale = Flow(desired, RuleKind.VipToGroup) with { Instructions = InstructionList.Apply(new GroupAction(7)) };
        var strangeGroup = new GroupEntry(7, OfpGroupType.All, []);
        var current = new RuleSet([.. desired.Flows.Where(f => f.Cookie != stale.Cookie), stale, stranger], [.. desired.Groups, strangeGroup]) { Meters = desired.Meters };
        var messages = Reconciler.Diff(current, desired);
        Assert.HasCount(3, messages);
        Assert.AreEqual(OfpFlowModCommand.Add, ((FlowMod)messages[0]).Command);
        Assert.AreEqual("apply_actions(ct(table=5,zone=102))", ((FlowMod)messages[0]).Instructions.ToString());
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
