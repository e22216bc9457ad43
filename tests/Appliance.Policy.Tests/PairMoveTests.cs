namespace Appliance.Policy.Tests;

/// <summary>
/// Manual failback between the boxes of a pair (docs/pair.md#manual-failback-between-the-boxes): a
/// takeover or handover is a VRRP bonus held until the role has moved or the limit passes; and the
/// pair's faults (peer not heard, split brain).
/// </summary>
[TestClass]
public sealed class PairMoveTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static Harness Box(VrrpState lan, VrrpState peer)
    {
        var h = new Harness(failback: "manual");
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle));
        h.Connect();
        h.Confirm();
        h.Advance(Settle);
        Paths(h, lan, peer);
        return h;
    }

    private static Harness ActiveBox() => Box(VrrpState.Master, VrrpState.Master);

    private static Harness StandbyBox() => Box(VrrpState.Backup, VrrpState.Backup);

    private static void Paths(Harness h, VrrpState lan, VrrpState peer)
    {
        h.Send(t => new PairPathChanged(t, "lan", lan));
        h.Send(t => new PairPathChanged(t, "peer", peer));
    }

    private static PolicyDecision Ask(Harness h, PairMoveKind kind) => h.Send(t => new PairMoveRequested(t, kind, "test"));

    [TestMethod]
    public void TheBonusFollowsTheRole()
    {
        Assert.AreEqual(PairBonus.Active, ActiveBox().State.Pair!.Bonus);
        Assert.AreEqual(PairBonus.Standby, StandbyBox().State.Pair!.Bonus);
        // With keepalived's equal base priority and track_file weight 1, each move's bonus crosses the other box's.
        Assert.IsGreaterThan(PairBonus.Active, PairBonus.Takeover);
        Assert.IsLessThan(PairBonus.Standby, PairBonus.Handover);
    }

    [TestMethod]
    public void ATakeoverRaisesTheBonusUntilThisBoxIsElectedOnEveryPath()
    {
        var h = StandbyBox();

        var asked = Ask(h, PairMoveKind.Takeover);

        Assert.IsTrue(asked.Reply!.Accepted, asked.Reply.Message);
        Assert.AreEqual(PairBonus.Takeover, h.State.Pair!.Bonus);
        Assert.IsTrue(asked.Events.Any(e => e.Kind == EventKind.PairTakeover));
        Assert.AreEqual(h.Now + PairBonus.MoveLimit, asked.WakeAt);
        Assert.IsTrue(h.Last.Desired.Standby, "the bonus moves the role; the role moves the switch");
        h.Advance(TimeSpan.FromMilliseconds(150));
        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Master));
        Assert.AreEqual(PairBonus.Takeover, h.State.Pair!.Bonus, "elected on one path only: held");
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Master));

        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        Assert.IsNull(h.State.Pair.Move);
        Assert.AreEqual(PairBonus.Active, h.State.Pair.Bonus);
        Assert.IsFalse(h.Last.Desired.Standby);
        Assert.AreEqual("master", h.Active);
        Assert.IsNull(h.Last.WakeAt);
    }

    [TestMethod]
    public void AHandoverLowersTheBonusUntilThePeerIsElectedOnEveryPath()
    {
        var h = ActiveBox();

        var asked = Ask(h, PairMoveKind.Handover);

        Assert.IsTrue(asked.Reply!.Accepted, asked.Reply.Message);
        Assert.AreEqual(PairBonus.Handover, h.State.Pair!.Bonus);
        Assert.IsTrue(asked.Events.Any(e => e.Kind == EventKind.PairHandover));
        Assert.IsFalse(h.Last.Desired.Standby, "serving until the peer is elected");
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Backup));
        h.Advance(TimeSpan.FromSeconds(2));
        h.Tick();
        Assert.IsFalse(h.State.Pair!.SplitBrain, "the peer master on one path during a handover is the handover, not split brain");
        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Backup));

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.IsNull(h.State.Pair.Move);
        Assert.AreEqual(PairBonus.Standby, h.State.Pair.Bonus);
        Assert.IsTrue(h.Last.Desired.Standby);
        Assert.IsFalse(h.Events.Any(e => e.Kind is EventKind.PairMoveGivenUp or EventKind.PairFault));
    }

    [TestMethod]
    public void AMoveThatDoesNotHappenIsGivenUpAtItsLimit()
    {
        var h = ActiveBox();
        Ask(h, PairMoveKind.Handover);

        h.Advance(PairBonus.MoveLimit - TimeSpan.FromMilliseconds(1));
        h.Tick();
        Assert.AreEqual(PairBonus.Handover, h.State.Pair!.Bonus);
        h.Advance(TimeSpan.FromMilliseconds(1));
        var tick = h.Tick();

        Assert.IsNull(h.State.Pair!.Move);
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
        Assert.AreEqual(PairBonus.Active, h.State.Pair.Bonus);
        var given = tick.Events.Single(e => e.Kind == EventKind.PairMoveGivenUp);
        StringAssert.Contains(given.Message, "handover given up after 5 s");
        Assert.IsNull(tick.WakeAt);
        Assert.IsTrue(Ask(h, PairMoveKind.Handover).Reply!.Accepted, "asked again, tried again");
    }

    [TestMethod]
    public void AMoveThatCannotWorkIsRefusedWithAReason()
    {
        Assert.AreEqual("this box is already active", Refused(ActiveBox(), PairMoveKind.Takeover));
        Assert.AreEqual("this box is already standby", Refused(StandbyBox(), PairMoveKind.Handover));
        Assert.Contains("every path's own end is down", Refused(Box(VrrpState.Fault, VrrpState.Fault), PairMoveKind.Handover));

        var sick = StandbyBox();
        sick.Probes("master", false, 3);
        sick.Probes("slave", false, 3);
        Assert.Contains("no server is healthy here", Refused(sick, PairMoveKind.Takeover));

        var held = StandbyBox();
        held.Probes("slave", false, 3);
        for (var flap = 0; flap < 4; flap++)
        {
            held.Probes("master", false, 3);
            held.Probes("master", true, 3);
        }
        Assert.IsFalse(held.Server("master").IsUsable(held.Now), "healthy again, held down for flapping");
        Assert.IsTrue(Ask(held, PairMoveKind.Takeover).Reply!.Accepted, "a held-down server is healthy: the box can serve it as the last resort");

        var busy = StandbyBox();
        Ask(busy, PairMoveKind.Takeover);
        Assert.Contains("a takeover is already under way", Refused(busy, PairMoveKind.Takeover));
        Assert.AreEqual(PairBonus.Takeover, busy.State.Pair!.Bonus, "the refusal does not touch the move under way");

        var alone = new Harness();
        alone.Connect();
        Assert.AreEqual("this box is not one of a pair", Refused(alone, PairMoveKind.Takeover));
        Assert.IsNull(alone.State.Pair);
    }

    private static string Refused(Harness h, PairMoveKind kind)
    {
        var before = h.State.Pair?.Bonus;
        var reply = Ask(h, kind).Reply!;
        Assert.IsFalse(reply.Accepted, reply.Message);
        Assert.AreEqual(before, h.State.Pair?.Bonus);
        Assert.IsTrue(h.Last.Events.Any(e => e.Kind == EventKind.RequestRefused && e.Message.Contains(reply.Message, StringComparison.Ordinal)));
        return reply.Message;
    }

    [TestMethod]
    public void AShortPressOnTheStandbyBoxTakesOver()
    {
        var h = StandbyBox();

        var pressed = h.Send(t => PressKind.Short.ToRequest(t, "button"));

        Assert.IsTrue(pressed.Reply!.Accepted, pressed.Reply.Message);
        Assert.AreEqual(PairMoveKind.Takeover, h.State.Pair!.Move!.Kind);
        Assert.AreEqual(PairBonus.Takeover, h.State.Pair.Bonus);
    }

    [TestMethod]
    public void AShortPressOnTheActiveBoxIsAServerFailbackAsEver()
    {
        var h = ActiveBox();
        h.Probes("master", false, 3);
        h.Probes("master", true, 3);
        Assert.AreEqual("slave", h.Active, "failback: manual");

        var pressed = h.Send(t => PressKind.Short.ToRequest(t, "button"));

        Assert.IsTrue(pressed.Reply!.Accepted, pressed.Reply.Message);
        Assert.AreEqual("master", h.Active);
        Assert.IsNull(h.State.Pair!.Move);
        Assert.AreEqual(PairBonus.Active, h.State.Pair.Bonus);
    }

    [TestMethod]
    public void AnActiveBoxHearingThePeerAsMasterForASecondIsSplitBrainOnItsPanelAndStatus()
    {
        var h = ActiveBox();
        Assert.IsNull(h.State.Pair!.Fault);

        var heard = h.Send(t => new PairPathChanged(t, "lan", VrrpState.Backup));
        Assert.IsFalse(h.State.Pair!.SplitBrain, "a path healing, for a moment");
        Assert.AreEqual(LedPattern.Off, h.Panel.Fault);
        Assert.AreEqual(h.Now + PairBonus.SplitBrainAfter, heard.WakeAt);
        h.Advance(PairBonus.SplitBrainAfter);
        var tick = h.Tick();

        Assert.IsTrue(h.State.Pair!.SplitBrain);
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
        Assert.AreEqual("split brain: this box is active and hears the peer as master on lan", h.State.Pair.Fault);
        Assert.AreEqual(LedPattern.Blink, h.Panel.Fault);
        Assert.IsTrue(tick.Events.Any(e => e.Kind == EventKind.PairFault && e.Message.Contains("split brain", StringComparison.Ordinal)));

        var healed = h.Send(t => new PairPathChanged(t, "lan", VrrpState.Master));
        Assert.IsFalse(h.State.Pair!.SplitBrain);
        Assert.IsNull(h.State.Pair.Fault);
        Assert.AreEqual(LedPattern.Off, h.Panel.Fault);
        Assert.IsTrue(healed.Events.Any(e => e.Kind == EventKind.PairFaultCleared));
    }

    [TestMethod]
    public void APeerHeardAgainWithinASecondIsNoSplitBrain()
    {
        var h = ActiveBox();
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Backup));
        h.Advance(TimeSpan.FromMilliseconds(900));
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Master));
        h.Advance(TimeSpan.FromMilliseconds(200));
        h.Tick();

        Assert.IsFalse(h.State.Pair!.SplitBrain);
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.PairFault));
    }

    [TestMethod]
    public void AStandbyThatHearsNoActivePeerShowsTheFault()
    {
        var h = StandbyBox();
        Assert.IsNull(h.State.Pair!.Fault);

        var cut = h.Send(t => new PairPathChanged(t, "lan", VrrpState.Fault));
        Assert.IsNull(h.State.Pair!.Fault, "still heard on the cable");
        cut = h.Send(t => new PairPathChanged(t, "peer", VrrpState.Fault));

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "its own ends are down: it could serve nobody");
        Assert.AreEqual("peer not heard: every path's own end is down", h.State.Pair.Fault);
        Assert.IsTrue(cut.Events.Any(e => e.Kind == EventKind.PairFault));
        Assert.AreEqual(LedPattern.Blink, h.Panel.Fault);
    }
}
