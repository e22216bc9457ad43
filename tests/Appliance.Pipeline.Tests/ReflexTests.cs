namespace Appliance.Pipeline.Tests;

/// <summary>The switch's own reflex to the active server's refusal (RuleBuilder.Reflex.cs).</summary>
[TestClass]
public sealed class ReflexTests
{
    private static readonly Dictionary<string, MacAddress> Macs = new()
    {
        ["master"] = MacAddress.Parse("02:00:c6:12:00:01"),
        ["slave"] = MacAddress.Parse("02:00:c6:12:00:02"),
        ["spare"] = MacAddress.Parse("02:00:c6:12:00:03"),
    };

    private static RuleBuilder Builder(string health = "") => new(ConfigLoader.Parse($$"""
        bridge: { name: br0, management: 198.18.0.6/24 }
        service: { vip: 198.18.0.100 }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
          - { name: spare, address: 198.18.0.3, port: 3 }
        health: { probe: http{{health}} }
        """, "test.yml"));

    private static RuleSet Build(RuleBuilder builder, params string[] order) => builder.Build(new([.. order], order.FirstOrDefault()), Macs);

    private static FlowEntry Flow(RuleSet rules, RuleKind kind, uint index) => rules.Flows.Single(f => f.Cookie == Cookies.Of(kind, index));

    private static IEnumerable<FlowEntry> Reports(RuleSet rules, uint port) =>
        rules.Flows.Where(f => f.Cookie == Cookies.Of(RuleKind.Refusal, port));

    [TestMethod]
    public void TheActiveServersRefusalsTeachTheSwitchToSkipIt()
    {
        var rules = Build(Builder(), "master", "slave", "spare");
        var master = Reports(rules, 1).ToList();
        Assert.HasCount(3, master);
        foreach (var report in master)
        {
            Assert.AreEqual(
                "apply_actions(learn(table=9,hard_timeout=10,priority=100,cookie=0x1201,reg2=0x1,load:0x1->reg0[0],load:ct_tp_src[]->reg1[0..15]),controller(max_len=160,meter_id=1))",
                report.Instructions.ToString());
        }
        // Only the active server's: the others are not where new connections go.
        Assert.IsTrue(Reports(rules, 2).Concat(Reports(rules, 3)).All(f => !f.Instructions.ToString().Contains("learn", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void NewAndActivePinnedConnectionsConsultTheReflexOthersDoNot()
    {
        var rules = Build(Builder(), "master", "slave", "spare");
        const string consult = "apply_actions(set_field:0x1->reg2,resubmit(,9)),goto_table:10";
        var fresh = Flow(rules, RuleKind.ReflexDispatch, 0);
        var pinned = Flow(rules, RuleKind.ReflexDispatch, 1);
        Assert.AreEqual((5, 200, "ct_mark=0x0", consult), (fresh.TableId, fresh.Priority, fresh.Match.ToString(), fresh.Instructions.ToString()));
        Assert.AreEqual((5, 200, "ct_mark=0x1", consult), (pinned.TableId, pinned.Priority, pinned.Match.ToString(), pinned.Instructions.ToString()));
        // Connections pinned to the slave or the spare keep their own flows (priority 100).
        Assert.IsFalse(rules.Flows.Any(f => f.TableId == 5 && f.Priority == 200 && f.Match.ToString() is "ct_mark=0x2" or "ct_mark=0x3"));

        var hit = Flow(rules, RuleKind.ReflexDispatch, 2);
        Assert.AreEqual((10, "reg0=0x1/0x1", $"apply_actions(group:{RuleBuilder.FallbackGroup})"), (hit.TableId, hit.Match.ToString(), hit.Instructions.ToString()));
        Assert.AreEqual("apply_actions(group:2)", Flow(rules, RuleKind.ReflexDispatch, 3).Instructions.ToString(), "master's own pinned group");
        Assert.AreEqual("apply_actions(group:1)", Flow(rules, RuleKind.ReflexDispatch, 4).Instructions.ToString(), "the new-connections group");

        // The fallback re-pins to the servers after the active one, in order, as a hard-down does.
        var fallback = rules.Groups.Single(g => g.GroupId == RuleBuilder.FallbackGroup);
        Assert.AreEqual(OfpGroupType.FastFailover, fallback.Type);
        CollectionAssert.AreEqual(new uint[] { 2, 3 }, fallback.Buckets.Select(b => b.WatchPort).ToArray());
        var vip = rules.Groups.Single(g => g.GroupId == RuleBuilder.VipGroup);
        CollectionAssert.AreEqual(vip.Buckets.Skip(1).ToArray(), fallback.Buckets.ToArray());
    }

    [TestMethod]
    public void WhenAnotherServerIsActiveTheReflexFollowsItAndWhatWasLearnedGoes()
    {
        var builder = Builder();
        var before = Build(builder, "master", "slave", "spare");
        var after = Build(builder, "slave", "spare");
        Assert.Contains("learn(", Reports(after, 2).First().Instructions.ToString());
        Assert.DoesNotContain("learn(", Reports(after, 1).First().Instructions.ToString());
        Assert.AreEqual("apply_actions(set_field:0x2->reg2,resubmit(,9)),goto_table:10", Flow(after, RuleKind.ReflexDispatch, 0).Instructions.ToString());
        Assert.AreNotEqual(before.Learned, after.Learned);
        var messages = Reconciler.Diff(before, after);
        Assert.AreEqual(1, messages.OfType<FlowMod>().Count(m => m.Command == OfpFlowModCommand.Delete && m.TableId == 9 && m.CookieMask == Cookies.KindMask));

        // Master back first: the reflex learned against the slave must not hold it out, nor master's old one.
        var back = Reconciler.Diff(after, before);
        Assert.AreEqual(1, back.OfType<FlowMod>().Count(m => m.Command == OfpFlowModCommand.Delete && m.TableId == 9));
    }

    [TestMethod]
    public void AServerBackInServiceIsNotHeldOutByAReflexLearnedLate()
    {
        // The switch may learn once more from a refusal still in flight after the firmware took the
        // server out (a cached flow's stats pushed late): whatever it holds goes when the reflex returns.
        var builder = Builder();
        var slaveAlone = Build(builder, "slave");
        var back = Build(builder, "master", "slave");
        var messages = Reconciler.Diff(slaveAlone, back);
        var delete = messages.OfType<FlowMod>().Single(m => m.Command == OfpFlowModCommand.Delete);
        Assert.AreEqual((9, Cookies.Of(RuleKind.Reflex), Cookies.KindMask), (delete.TableId, delete.Cookie, delete.CookieMask));
        Assert.IsTrue(messages[^1] is FlowMod { Command: OfpFlowModCommand.Delete, TableId: 9 }, "after the rules that bring the server back");
    }

    [TestMethod]
    public void NothingChangedNothingSentAndARuleSetReadBackDeletesLearnedFlowsOneByOne()
    {
        var builder = Builder();
        var rules = Build(builder, "master", "slave");
        Assert.IsEmpty(Reconciler.Diff(rules, rules));
        // Read back from the switch (after a firmware restart): what was learned is a plain flow there, a stranger.
        var learned = new FlowEntry(9, 100, Match.Of(OxmField.Register(2, 1)), Cookies.Of(RuleKind.Reflex, 1),
            InstructionList.Apply(new SetFieldAction(OxmField.Register(0, 1))));
        var readBack = new RuleSet([.. rules.Flows, learned], rules.Groups) { Meters = rules.Meters };
        var messages = Reconciler.Diff(readBack, rules);
        Assert.AreEqual(learned.ToDelete(), messages.Single());
    }

    [TestMethod]
    public void NoReflexWhenTheSwitchCannotCountOrHasNowhereToGo()
    {
        foreach (var (health, order) in new[]
        {
            (", passive_refusals: 3", new[] { "master", "slave" }),
            (", passive: off", ["master", "slave"]),
            ("", ["master"]),
        })
        {
            var rules = Build(Builder(health), order);
            var what = $"{health} {string.Join(",", order)}";
            Assert.AreEqual(LearnedFlows.Nothing, rules.Learned!.Basis, what);
            Assert.IsFalse(rules.Flows.Any(f => f.TableId is 9 or 10 || Cookies.KindOf(f.Cookie) == RuleKind.ReflexDispatch), what);
            Assert.IsFalse(rules.Groups.Any(g => g.GroupId == RuleBuilder.FallbackGroup), what);
            Assert.IsFalse(rules.Flows.Any(f => f.Instructions.ToString().Contains("learn(", StringComparison.Ordinal)), what);
        }
    }
}
