namespace Appliance.Policy.Tests;

/// <summary>A box of a pair (docs/pair.md): its role from keepalived's per-path states, and what each role wants from the switch.</summary>
[TestClass]
public sealed class PairTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static Harness PairBox(string failback = "auto")
    {
        var h = new Harness(failback: failback);
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle));
        h.Connect();
        h.Confirm();
        return h;
    }

    private static void Paths(Harness h, VrrpState lan, VrrpState peer)
    {
        h.Send(t => new PairPathChanged(t, "lan", lan));
        h.Send(t => new PairPathChanged(t, "peer", peer));
    }

    /// <summary>A box that became active after its settle time with the peer heard nowhere.</summary>
    private static Harness ActiveBox()
    {
        var h = PairBox();
        h.Advance(Settle);
        Paths(h, VrrpState.Master, VrrpState.Master);
        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        return h;
    }

    /// <summary>A box standing by: the peer is master on both paths.</summary>
    private static Harness StandbyBox()
    {
        var h = PairBox();
        h.Advance(Settle);
        Paths(h, VrrpState.Backup, VrrpState.Backup);
        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        return h;
    }

    [TestMethod]
    [DataRow(PairRole.Standby, VrrpState.Master, VrrpState.Master, PairRole.Active, DisplayName = "standby, peer heard nowhere: takes over")]
    [DataRow(PairRole.Standby, VrrpState.Master, VrrpState.Fault, PairRole.Active, DisplayName = "standby, LAN quiet and cable dead (peer's power gone): takes over")]
    [DataRow(PairRole.Standby, VrrpState.Fault, VrrpState.Master, PairRole.Active, DisplayName = "standby, own LAN port dead and cable quiet: takes over")]
    [DataRow(PairRole.Standby, VrrpState.Master, VrrpState.Backup, PairRole.Standby, DisplayName = "standby, peer heard on the cable only: stays")]
    [DataRow(PairRole.Standby, VrrpState.Backup, VrrpState.Master, PairRole.Standby, DisplayName = "standby, peer heard on the LAN only: stays")]
    [DataRow(PairRole.Standby, VrrpState.Backup, VrrpState.Fault, PairRole.Standby, DisplayName = "standby, cable cut, peer heard on the LAN: stays")]
    [DataRow(PairRole.Standby, VrrpState.Fault, VrrpState.Fault, PairRole.Standby, DisplayName = "standby, every own end down: stays (it could serve nobody)")]
    [DataRow(PairRole.Standby, VrrpState.Master, VrrpState.Init, PairRole.Standby, DisplayName = "standby, a path not reported yet: stays")]
    [DataRow(PairRole.Active, VrrpState.Master, VrrpState.Backup, PairRole.Active, DisplayName = "active, peer master on the cable only (path healing): stays")]
    [DataRow(PairRole.Active, VrrpState.Master, VrrpState.Fault, PairRole.Active, DisplayName = "active, cable cut: stays")]
    [DataRow(PairRole.Active, VrrpState.Fault, VrrpState.Fault, PairRole.Active, DisplayName = "active, every own end down: stays")]
    [DataRow(PairRole.Active, VrrpState.Backup, VrrpState.Backup, PairRole.Standby, DisplayName = "active, peer master on both paths: stands by")]
    [DataRow(PairRole.Active, VrrpState.Backup, VrrpState.Fault, PairRole.Standby, DisplayName = "active, peer master on the only working path: stands by")]
    public void TheRoleFollowsWherethePeerIsHeard(PairRole current, VrrpState lan, VrrpState peer, PairRole expected) =>
        Assert.AreEqual(expected, PairRoleRule.Next(current, [lan, peer]));

    [TestMethod]
    public void APairBoxStartsAsStandbyAndWantsNothingFromTheSwitch()
    {
        var h = PairBox();

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.IsTrue(h.Last.Desired.Standby);
        Assert.AreEqual(0, h.Buckets.Length, "no path to any server");
        Assert.IsNull(h.Active);
        Assert.AreEqual(PeerState.Unknown, h.State.Pair.Peer);
    }

    [TestMethod]
    public void AFreshStartListensForTheSettleTimeBeforeTakingOver()
    {
        var h = PairBox();

        Paths(h, VrrpState.Master, VrrpState.Master);

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "keepalived may not have heard the peer yet");
        Assert.AreEqual(Settle, h.Last.WakeAt);
        h.Advance(Settle);
        h.Tick();
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
        Assert.IsFalse(h.Last.Desired.Standby);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.IsTrue(h.Last.Events.Any(e => e.Kind == EventKind.PairActive));
    }

    [TestMethod]
    public void ABoxWhoseSwitchIsNotProgrammedDoesNotTakeOver()
    {
        // Its switch does not forward yet, so keepalived on the LAN path hears nobody through it: MASTER there says nothing
        // about the peer (with the peer cable cut too, both boxes would be active).
        var h = new Harness();
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle));
        h.Connect();
        Paths(h, VrrpState.Master, VrrpState.Fault);
        h.Advance(Settle * 3);
        h.Tick();

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.IsNull(h.Last.WakeAt, "nothing to wait for but the switch");

        h.Confirm();
        Assert.AreEqual(PairRole.Standby, h.State.Pair.Role, "keepalived has not had time to hear the peer through the switch");
        Assert.AreEqual(h.Now + Settle, h.Last.WakeAt);
        Assert.AreEqual(h.Now + Settle, h.State.Pair.SettledAt);

        h.Advance(Settle);
        h.Tick();
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
    }

    [TestMethod]
    public void AStandbyWhoseSwitchWentAwayListensAgainOnceItIsBack()
    {
        var h = StandbyBox();

        h.Disconnect();
        Paths(h, VrrpState.Master, VrrpState.Master);
        h.Advance(Settle * 3);
        h.Tick();
        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "a switch that is away forwards no adverts either");

        h.Connect();
        h.Confirm();
        h.Advance(Settle / 2);
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Backup));
        h.Advance(Settle);
        h.Tick();
        Assert.AreEqual(PairRole.Standby, h.State.Pair.Role, "the peer heard once the switch forwarded again");
    }

    [TestMethod]
    public void AnActiveBoxKeepsItsRoleWhileItsSwitchIsAway()
    {
        var h = ActiveBox();

        h.Disconnect();
        h.Advance(Settle * 3);
        h.Tick();

        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role, "its switch keeps forwarding with the rules it has");
    }

    [TestMethod]
    public void APeerHeardWithinTheSettleTimeKeepsTheBoxStandingBy()
    {
        var h = PairBox();
        Paths(h, VrrpState.Master, VrrpState.Master);
        h.Advance(TimeSpan.FromMilliseconds(300));

        Paths(h, VrrpState.Backup, VrrpState.Backup);
        h.Advance(Settle);
        h.Tick();

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.IsNull(h.Last.WakeAt);
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.PairActive));
    }

    [TestMethod]
    public void TheStandbyTakesOverWhenTheActiveBoxLosesPower()
    {
        var h = StandbyBox();

        // Power loss of the peer: the cable loses carrier at once, the LAN goes quiet 3 adverts later.
        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Fault));
        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "still heard on the LAN");
        h.Advance(TimeSpan.FromMilliseconds(40));
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Master));

        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
        Assert.IsTrue(h.Last.DesiredChanged);
        Assert.AreEqual("master", h.Active);
        Assert.AreEqual(h.Now, h.State.Pair.Since);
    }

    [TestMethod]
    public void ACutPeerCableTakesOverNeither()
    {
        var active = ActiveBox();
        var standby = StandbyBox();

        active.Send(t => new PairPathChanged(t, "peer", VrrpState.Fault));
        standby.Send(t => new PairPathChanged(t, "peer", VrrpState.Fault));

        Assert.AreEqual(PairRole.Active, active.State.Pair!.Role);
        Assert.AreEqual(PairRole.Standby, standby.State.Pair!.Role);
        Assert.AreEqual(PeerState.Master, standby.State.Pair.Peer);
    }

    [TestMethod]
    public void AnActiveBoxStandsByOnlyWhenThePeerIsMasterOnEveryWorkingPath()
    {
        var h = ActiveBox();

        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Backup));
        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role, "one path says the peer is master, the other not: no change");
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Backup));

        Assert.AreEqual(PairRole.Standby, h.State.Pair.Role);
        Assert.IsTrue(h.Last.Desired.Standby);
        Assert.AreEqual(0, h.Buckets.Length);
        Assert.IsTrue(h.Last.Events.Any(e => e.Kind == EventKind.PairStandby));
    }

    [TestMethod]
    public void TheStandbyKeepsItsServersStatesAndServesTheHealthyOneOnTakeover()
    {
        var h = StandbyBox();

        h.Probes("master", false, 3);
        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
        Assert.AreEqual(0, h.Buckets.Length, "still standing by");
        Paths(h, VrrpState.Master, VrrpState.Fault);

        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
    }

    [TestMethod]
    public void AStandbyBoxLightsNoServerLedAndBlinksRedWhileThePeerIsNotHeard()
    {
        var h = StandbyBox();

        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.Off, LedPattern.Off), h.Panel);
        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Fault));
        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.Off, LedPattern.Off), h.Panel, "the peer is still heard on the LAN");
        var fresh = PairBox();
        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.Off, LedPattern.Blink), fresh.Panel, "nobody heard yet");
    }

    [TestMethod]
    public void AnActiveBoxThatCanReachNoPathBlinksRed()
    {
        var h = ActiveBox();
        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off), h.Panel);

        Paths(h, VrrpState.Fault, VrrpState.Fault);

        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Blink), h.Panel);
    }

    [TestMethod]
    public void AFirmwareRestartedOnTheActiveBoxStaysActive()
    {
        var h = new Harness();
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle, WasActive: true));
        h.Connect(["master", "slave"]);

        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role, "keepalived tells nothing again after the firmware's restart");
        Assert.IsFalse(h.Last.Desired.Standby);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Backup));
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Backup));
        Assert.AreEqual(PairRole.Standby, h.State.Pair.Role);
    }

    [TestMethod]
    public void ABoxOnItsOwnHasNoPair()
    {
        var h = new Harness();
        h.Connect();

        Assert.IsNull(h.State.Pair);
        Assert.IsFalse(h.Last.Desired.Standby);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
    }
}
