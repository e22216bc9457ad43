namespace Appliance.Policy.Tests;

/// <summary>
/// A box of a pair whose office port is down (docs/pair.md, failure table): it hands over by itself, holding the
/// handover's bonus for as long as the port is down, and is a standby with bonus 0 when the port comes back.
/// </summary>
[TestClass]
public sealed class PairOfficeTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static Harness Box(VrrpState lan, VrrpState peer)
    {
        var h = new Harness(failback: "manual");
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle));
        h.Connect();
        h.Confirm();
        Office(h, up: true);
        h.Advance(Settle);
        Path(h, "lan", lan);
        Path(h, "peer", peer);
        return h;
    }

    private static Harness ActiveBox() => Box(VrrpState.Master, VrrpState.Master);

    private static Harness StandbyBox() => Box(VrrpState.Backup, VrrpState.Backup);

    private static PolicyDecision Office(Harness h, bool up) => h.Send(t => new OfficeLinkChanged(t, up));

    private static PolicyDecision Path(Harness h, string path, VrrpState state) => h.Send(t => new PairPathChanged(t, path, state));

    [TestMethod]
    public void AnActiveBoxWhoseOfficePortDiesHandsOverAndStaysStandbyWhenItReturns()
    {
        var h = ActiveBox();
        Assert.AreEqual(PairBonus.Active, h.State.Pair!.Bonus);

        var down = Office(h, up: false);

        Assert.AreEqual(PairBonus.Handover, h.State.Pair!.Bonus);
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role, "serving until the peer is elected");
        Assert.IsFalse(h.Last.Desired.Standby);
        Assert.AreEqual(PairMoveKind.Handover, h.State.Pair.Move!.Kind);
        Assert.IsNull(down.WakeAt, "held for as long as the port is down, not for the 5 s of a manual move");
        Assert.IsTrue(down.Events.Any(e => e.Kind == EventKind.PairHandover && e.Message.StartsWith("office port down: handing over to the peer", StringComparison.Ordinal)),
            string.Join("\n", down.Events));
        Assert.IsTrue(down.Events.Any(e => e.Kind == EventKind.PairFault && e.Message.Contains("office port down", StringComparison.Ordinal)));
        StringAssert.StartsWith(h.State.Pair.Fault, "office port down: this box hands the active role to the peer");
        Assert.AreEqual(LedPattern.Blink, h.Panel.Fault);

        // The peer preempts on the cable; keepalived's lan instance, on the internal port, still says MASTER.
        h.Advance(TimeSpan.FromMilliseconds(150));
        Path(h, "peer", VrrpState.Backup);

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "the lan path's own end is the office port: FAULT, whatever keepalived says");
        Assert.IsTrue(h.Last.Desired.Standby);
        Assert.IsNull(h.State.Pair.Move);
        Assert.AreEqual(PairBonus.Handover, h.State.Pair.Bonus, "held while the port is down: the peer stays elected");
        Assert.IsFalse(h.State.Pair.SplitBrain);
        StringAssert.StartsWith(h.State.Pair.Fault, "office port down: this box could serve nobody");

        // Down for a minute: nothing given up.
        h.Advance(TimeSpan.FromMinutes(1));
        h.Tick();
        Assert.AreEqual(PairBonus.Handover, h.State.Pair!.Bonus);
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.PairMoveGivenUp));

        var up = Office(h, up: true);
        Path(h, "lan", VrrpState.Backup);

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "no failback between the boxes: manual, as everywhere");
        Assert.AreEqual(PairBonus.Standby, h.State.Pair.Bonus);
        Assert.IsNull(h.State.Pair.Fault);
        Assert.IsTrue(up.Events.Any(e => e.Kind == EventKind.PairFaultCleared));
        Assert.IsTrue(h.Last.Desired.Standby);
    }

    [TestMethod]
    public void WhileTheOfficePortReturnsTheLanPathStillSaysMasterAndTheBoxStaysStandby()
    {
        var h = ActiveBox();
        Office(h, up: false);
        Path(h, "peer", VrrpState.Backup);
        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);

        Office(h, up: true);

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "lan MASTER and peer BACKUP disagree: the role stays");
        Assert.AreEqual(PairBonus.Standby, h.State.Pair.Bonus);
    }

    [TestMethod]
    public void AnActiveBoxWhosePeerIsNotHeardKeepsTheRoleWithItsOfficePortDownAndTheHandoverWaits()
    {
        var h = Box(VrrpState.Master, VrrpState.Fault);   // the cable cut, or the standby dead

        var down = Office(h, up: false);

        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role, "standing by would leave no box for the office when the port returns");
        Assert.IsFalse(h.Last.Desired.Standby);
        Assert.AreEqual(PairBonus.Handover, h.State.Pair.Bonus, "a peer that comes back preempts");
        Assert.IsTrue(down.Events.Any(e => e.Kind == EventKind.PairHandover && e.Message.Contains("this box stays active", StringComparison.Ordinal)),
            string.Join("\n", down.Events));
        Assert.Contains("stays active until the peer takes it", h.State.Pair.Fault!);
        h.Advance(TimeSpan.FromSeconds(30));
        h.Tick();
        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        Assert.AreEqual(PairBonus.Handover, h.State.Pair.Bonus);

        var up = Office(h, up: true);

        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        Assert.IsNull(h.State.Pair.Move);
        Assert.AreEqual(PairBonus.Active, h.State.Pair.Bonus);
        Assert.IsTrue(up.Events.Any(e => e.Kind == EventKind.PairMoveGivenUp && e.Message.Contains("office port is back", StringComparison.Ordinal)),
            string.Join("\n", up.Events));
    }

    [TestMethod]
    public void AStandbyWhoseOfficePortDiesKeepsThePeerElectedAndRefusesATakeover()
    {
        var h = StandbyBox();

        Office(h, up: false);

        Assert.AreEqual(PairBonus.Handover, h.State.Pair!.Bonus);
        Assert.IsNull(h.State.Pair.Move);
        StringAssert.StartsWith(h.State.Pair.Fault, "office port down: this box could serve nobody");
        var asked = h.Send(t => new PairMoveRequested(t, PairMoveKind.Takeover, "test"));
        Assert.IsFalse(asked.Reply!.Accepted);
        Assert.AreEqual("this box's office port is down: it could serve nobody", asked.Reply.Message);

        // The active peer's keepalived dies (the cable keeps its carrier): the only box left takes over, and serves the
        // office when its port returns.
        Path(h, "peer", VrrpState.Master);
        Path(h, "lan", VrrpState.Master);
        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        Assert.AreEqual(PairMoveKind.Handover, h.State.Pair.Move?.Kind);
        Assert.AreEqual(PairBonus.Handover, h.State.Pair.Bonus);
    }

    [TestMethod]
    public void ATakeoverUnderWayIsGivenUpWhenTheOfficePortDies()
    {
        var h = StandbyBox();
        Assert.IsTrue(h.Send(t => new PairMoveRequested(t, PairMoveKind.Takeover, "test")).Reply!.Accepted);

        var down = Office(h, up: false);

        Assert.IsNull(h.State.Pair!.Move);
        Assert.AreEqual(PairBonus.Handover, h.State.Pair.Bonus);
        Assert.IsTrue(down.Events.Any(e => e.Kind == EventKind.PairMoveGivenUp && e.Message.Contains("office port is down", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void AManualHandoverWhileTheOfficePortIsDownIsAlreadyUnderWay()
    {
        var h = ActiveBox();
        Office(h, up: false);

        var asked = h.Send(t => new PairMoveRequested(t, PairMoveKind.Handover, "test"));

        Assert.IsFalse(asked.Reply!.Accepted);
        Assert.AreEqual("a handover is already under way (office port down)", asked.Reply.Message);
    }

    [TestMethod]
    public void AnOfficePortToldBeforeThePairStartedCounts()
    {
        var h = new Harness(failback: "manual");
        h.Connect();
        Office(h, up: false);
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle, WasActive: true));

        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        Assert.IsFalse(h.State.Pair.OfficeUp);
        Assert.AreEqual(PairBonus.Handover, h.State.Pair.Bonus);
        Assert.AreEqual(PairMoveKind.Handover, h.State.Pair.Move?.Kind);
    }

    [TestMethod]
    public void ARepeatOfTheOfficePortsStateChangesNothing()
    {
        var h = ActiveBox();
        Office(h, up: false);

        var again = Office(h, up: false);

        Assert.IsEmpty(again.Events);
        Assert.IsEmpty(Office(h, up: true).Events.Where(e => e.Kind == EventKind.PairHandover));
    }

    [TestMethod]
    public void ABoxOnItsOwnIgnoresItsOfficePort()
    {
        var h = new Harness();
        h.Connect();

        var down = Office(h, up: false);

        Assert.IsNull(h.State.Pair);
        Assert.IsEmpty(down.Events);
        Assert.IsFalse(down.DesiredChanged);
    }
}
