namespace Appliance.Policy.Tests;

/// <summary>
/// A peer heard on no path whose API does not answer either (docs/pair.md#pair-faults): dead, or cut off on every path.
/// VRRP alone cannot tell it from a quiet standby; two unanswered settings comparisons in a row can.
/// </summary>
[TestClass]
public sealed class PairPeerLostTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static readonly PairSettingsStatus Silent = new(PairSettingsState.Unknown, [], "the peer did not answer within 2 s") { PeerSilent = true };

    private static readonly PairSettingsStatus Refused = new(PairSettingsState.Unknown, [], "the peer answered 401");

    private static readonly PairSettingsStatus Same = new(PairSettingsState.Same, [], "");

    private static Harness Box(VrrpState lan, VrrpState peer)
    {
        var h = new Harness(failback: "manual");
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle));
        h.Connect();
        h.Confirm();
        h.Advance(Settle);
        h.Send(t => new PairPathChanged(t, "lan", lan));
        h.Send(t => new PairPathChanged(t, "peer", peer));
        return h;
    }

    private static PolicyDecision Compared(Harness h, PairSettingsStatus settings)
    {
        h.Advance(TimeSpan.FromSeconds(5));
        return h.Send(t => new PairSettingsCompared(t, settings));
    }

    [TestMethod]
    public void AnActiveBoxWhosePeerIsHeardNowhereAndWhoseApiIsSilentTwiceShowsPeerLost()
    {
        var h = Box(VrrpState.Master, VrrpState.Master);
        Compared(h, Same);

        var once = Compared(h, Silent);
        Assert.IsNull(h.State.Pair!.Fault, "one unanswered comparison may be a slow moment");
        Assert.IsFalse(once.Events.Any(e => e.Kind == EventKind.PairFault));

        var twice = Compared(h, Silent);

        Assert.AreEqual("peer lost: not heard on any path, and its API does not answer", h.State.Pair!.Fault);
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
        for (var i = 0; i < 3; i++) Compared(h, Silent);
        Assert.AreEqual(PairBonus.PeerLostAfter, h.State.Pair!.PeerApiSilent, "counted up to what matters only");
        Assert.AreEqual(LedPattern.Blink, h.Panel.Fault);
        Assert.IsTrue(twice.Events.Any(e => e.Kind == EventKind.PairFault && e.Message.Contains("peer lost", StringComparison.Ordinal)));

        var back = Compared(h, Same);
        Assert.IsNull(h.State.Pair!.Fault, "cleared as soon as the API answers");
        Assert.IsTrue(back.Events.Any(e => e.Kind == EventKind.PairFaultCleared));
    }

    [TestMethod]
    public void PeerLostClearsAsSoonAsThePeerIsHeardOnAPath()
    {
        var h = Box(VrrpState.Master, VrrpState.Master);
        Compared(h, Silent);
        Compared(h, Silent);
        Assert.IsTrue(h.State.Pair!.PeerLost);

        // The peer back on the cable, as master (both active until the bonus decides).
        var heard = h.Send(t => new PairPathChanged(t, "peer", VrrpState.Backup));

        Assert.IsFalse(h.State.Pair!.PeerLost);
        Assert.IsNull(h.State.Pair.Fault);
        Assert.IsTrue(heard.Events.Any(e => e.Kind == EventKind.PairFaultCleared));
    }

    [TestMethod]
    public void AnApiThatAnswersEvenWithARefusalIsAPeerThatIsThere()
    {
        var h = Box(VrrpState.Master, VrrpState.Master);
        Compared(h, Silent);
        Compared(h, Refused);
        Compared(h, Silent);

        Assert.IsNull(h.State.Pair!.Fault, "a 401 breaks the run: something answered");
        Assert.AreEqual(1, h.State.Pair.PeerApiSilent);
    }

    [TestMethod]
    public void ASilentApiOfAPeerHeardAsMasterIsNoPeerLost()
    {
        var h = Box(VrrpState.Backup, VrrpState.Backup);
        Compared(h, Silent);
        Compared(h, Silent);

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.IsNull(h.State.Pair.Fault, "keepalived hears it: its firmware is away, the box is not");
    }

    [TestMethod]
    public void AStandbyWhosePeerVanishesTakesOverAndThenShowsPeerLost()
    {
        var h = Box(VrrpState.Backup, VrrpState.Backup);
        Compared(h, Silent);
        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Master));
        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Fault));
        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        Assert.IsNull(h.State.Pair.Fault, "the peer's API silent once only");

        Compared(h, Silent);

        Assert.AreEqual("peer lost: not heard on any path, and its API does not answer", h.State.Pair!.Fault);
    }

    [TestMethod]
    public void WithoutAPeerApiNothingIsEverLost()
    {
        var h = Box(VrrpState.Master, VrrpState.Master);

        for (var i = 0; i < 5; i++) Compared(h, PairSettingsStatus.NotCompared);

        Assert.IsNull(h.State.Pair!.Fault);
    }

    [TestMethod]
    public void EveryPathsOwnEndDownIsToldAsSuchNotAsPeerLost()
    {
        var h = Box(VrrpState.Fault, VrrpState.Fault);
        Compared(h, Silent);
        Compared(h, Silent);

        Assert.AreEqual("peer not heard: every path's own end is down", h.State.Pair!.Fault);
    }
}
