namespace Appliance.Policy.Tests;

/// <summary>
/// keepalived gone on a box of a pair (docs/pair.md, failure table): the peer no longer hears the
/// box and takes over, so an active box must give up its role, not stay active beside it.
/// </summary>
[TestClass]
public sealed class PairKeepalivedTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static Harness PairBox(VrrpState lan, VrrpState peer)
    {
        var h = new Harness();
        h.Send(t => new PairStarted(t, ["lan", "peer"], Settle));
        h.Connect();
        h.Confirm();
        h.Probes("master", healthy: true, 3);
        h.Advance(Settle);
        Paths(h, lan, peer);
        return h;
    }

    private static void Paths(Harness h, VrrpState lan, VrrpState peer)
    {
        h.Send(t => new PairPathChanged(t, "lan", lan));
        h.Send(t => new PairPathChanged(t, "peer", peer));
    }

    [TestMethod]
    public void AnActiveBoxWhoseKeepalivedIsGoneGivesUpTheActiveRole()
    {
        var h = PairBox(VrrpState.Master, VrrpState.Master);
        Assert.AreEqual(PairRole.Active, h.State.Pair!.Role);
        h.Advance(TimeSpan.FromSeconds(5));

        h.Send(t => new PairKeepalivedLost(t, "its notify_fifo was closed"));

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.AreEqual(h.Now, h.State.Pair.Since);
        Assert.IsTrue(h.Last.DesiredChanged);
        Assert.IsTrue(h.Last.Desired.Standby, "nothing for the VIP from this box's switch");
        Assert.IsTrue(h.State.Pair.Paths.Values.All(s => s == VrrpState.Init), "every path unknown");
        Assert.AreEqual(PeerState.Unknown, h.State.Pair.Peer);
        var e = h.Events.Last();
        Assert.AreEqual(EventKind.PairStandby, e.Kind);
        StringAssert.Contains(e.Message, "keepalived is gone");
    }

    [TestMethod]
    public void AStandbyBoxWhoseKeepalivedIsGoneStaysStandbyAndNeverTakesOverWithoutIt()
    {
        var h = PairBox(VrrpState.Backup, VrrpState.Backup);

        h.Send(t => new PairKeepalivedLost(t, "its notify_fifo was closed"));
        h.Advance(TimeSpan.FromSeconds(30));
        h.Tick();

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.AreEqual(EventKind.PairPath, h.Events.Last(e => e.Message.Contains("keepalived", StringComparison.Ordinal)).Kind);
    }

    [TestMethod]
    public void AKeepalivedThatComesBackListensForTheSettleTimeBeforeTheBoxTakesOver()
    {
        var h = PairBox(VrrpState.Master, VrrpState.Master);
        h.Send(t => new PairKeepalivedLost(t, "its notify_fifo was closed"));
        h.Advance(TimeSpan.FromSeconds(10));

        // A fresh keepalived calls itself MASTER before it has heard the peer (docs/pair.md).
        Paths(h, VrrpState.Master, VrrpState.Master);
        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role, "not within the settle time");
        Assert.AreEqual(h.Now + Settle, h.Last.WakeAt);

        h.Advance(Settle);
        h.Tick();
        Assert.AreEqual(PairRole.Active, h.State.Pair.Role);
    }

    [TestMethod]
    public void KeepalivedLostMeansNothingToABoxOnItsOwn()
    {
        var h = new Harness();
        h.Connect();

        h.Send(t => new PairKeepalivedLost(t, "its notify_fifo was closed"));

        Assert.IsNull(h.State.Pair);
        Assert.IsFalse(h.Last.Desired.Standby);
    }
}
