using Appliance.Pipeline;

namespace Appliance.Controller.Tests;

/// <summary>
/// A box of a pair that takes over tells the office switch where the VIP's MAC is now (gratuitous
/// ARP, docs/pair.md), and tells it again: in the pair lab one takeover in about ten left the office
/// switch pointing at the dead box's port although the first announcement had gone out (it learned
/// the dead box's last frames after it).
/// </summary>
[TestClass]
public sealed class PairAnnounceTests
{
    private static readonly string[] Paths = ["lan", "peer"];

    /// <summary>The packet-outs the switch received, in order.</summary>
    private static PacketOut[] Announcements(ControllerRig rig) =>
        [.. rig.Switch.Batches.SelectMany(b => b.Messages).OfType<PacketOut>()];

    private static async Task<ControllerRig> StandbyAsync()
    {
        var rig = new ControllerRig();
        rig.Start();
        rig.Controller.StartPair(Paths, TimeSpan.FromSeconds(1), wasActive: false);
        await rig.AdoptAsync();
        rig.Probes("master", healthy: true, 3);
        rig.Probes("slave", healthy: true, 3);
        rig.Controller.ReportPairPath("lan", VrrpState.Backup);
        rig.Controller.ReportPairPath("peer", VrrpState.Backup);
        await rig.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.AreEqual(PairRole.Standby, rig.Status.Pair!.Role);
        Assert.IsEmpty(Announcements(rig), "a standby announces nothing");
        return rig;
    }

    private static async Task TakeOverAsync(ControllerRig rig)
    {
        // The peer lost power: its cable has no carrier, the LAN hears it no more.
        rig.Controller.ReportPairPath("peer", VrrpState.Fault);
        rig.Controller.ReportPairPath("lan", VrrpState.Master);
        await rig.FlushAsync();
        Assert.AreEqual(PairRole.Active, rig.Status.Pair!.Role);
    }

    [TestMethod]
    public async Task AnActiveBoxAnnouncesAgainSoonAfterAPathChanges()
    {
        await using var rig = await StandbyAsync();
        await TakeOverAsync(rig);
        // Past the repeats, half-way to the next refresh.
        await rig.AdvanceAsync(GratuitousArp.RepeatAfter[^1] + (GratuitousArp.Refresh / 2));
        var before = Announcements(rig).Length;

        // The peer cable back: the peer (which may have been active behind cut paths) stands by now.
        rig.Controller.ReportPairPath("peer", VrrpState.Master);
        await rig.FlushAsync();
        await rig.AdvanceAsync(GratuitousArp.RepeatAfter[0]);

        Assert.AreEqual(PairRole.Active, rig.Status.Pair!.Role);
        Assert.AreEqual(before + GratuitousArp.Copies, Announcements(rig).Length, "announced within the first repeat, not at the next refresh");
    }

    [TestMethod]
    public async Task ABoxThatTakesOverAnnouncesTheVipAgainAfterwards()
    {
        await using var rig = await StandbyAsync();

        await TakeOverAsync(rig);
        Assert.HasCount(GratuitousArp.Copies, Announcements(rig), "with its first rules");

        await rig.AdvanceAsync(GratuitousArp.RepeatAfter[^1] + TimeSpan.FromSeconds(1));

        var sent = Announcements(rig);
        Assert.HasCount(GratuitousArp.Copies * (1 + GratuitousArp.RepeatAfter.Count), sent);
        var frame = GratuitousArp.Frame(rig.Config.Service.Vip, rig.Config.Service.Vmac);
        foreach (var packet in sent) CollectionAssert.AreEqual(frame, packet.Data.Memory.ToArray());

        // Then the refresh, for as long as the box is active.
        await rig.AdvanceAsync(TimeSpan.FromSeconds(10));
        var refreshes = (Announcements(rig).Length - sent.Length) / GratuitousArp.Copies;
        Assert.IsInRange(9, 11, refreshes, $"one announcement every {GratuitousArp.Refresh}");
    }

    [TestMethod]
    public async Task AFirmwareRestartedOnTheActiveBoxKeepsAnnouncing()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        rig.Controller.StartPair(Paths, TimeSpan.FromSeconds(1), wasActive: true);
        await rig.AdoptAsync();
        Assert.AreEqual(PairRole.Active, rig.Status.Pair!.Role);
        Assert.IsEmpty(Announcements(rig), "no takeover: the office switch already knows this box");

        await rig.AdvanceAsync(TimeSpan.FromSeconds(5));

        Assert.IsInRange(4 * GratuitousArp.Copies, 6 * GratuitousArp.Copies, Announcements(rig).Length);
    }

    [TestMethod]
    public async Task ABoxThatStandsByAgainStopsAnnouncing()
    {
        await using var rig = await StandbyAsync();
        await TakeOverAsync(rig);

        rig.Controller.ReportPairPath("lan", VrrpState.Backup);
        await rig.FlushAsync();
        Assert.AreEqual(PairRole.Standby, rig.Status.Pair!.Role);
        await rig.AdvanceAsync(GratuitousArp.RepeatAfter[^1] + TimeSpan.FromSeconds(1));

        Assert.HasCount(GratuitousArp.Copies, Announcements(rig), "the VIP is the peer's again: no announcement for it from here");
    }

    [TestMethod]
    public async Task AnAnnouncementTheSwitchRefusedIsSentAgain()
    {
        await using var rig = await StandbyAsync();
        rig.Switch.Refuse(m => m is PacketOut, OfpErrorCode.Of(OfpBadRequestCode.BadType));

        await TakeOverAsync(rig);
        rig.Switch.StopRefusing();
        await rig.AdvanceAsync(GratuitousArp.RepeatAfter[0]);

        Assert.IsGreaterThanOrEqualTo(2 * GratuitousArp.Copies, Announcements(rig).Length, "the refused announcement, then one that went through");
    }

    [TestMethod]
    public async Task AnActiveBoxAnnouncesAtOnceWhenThePeerStandsDownWithNoPathChanging()
    {
        await using var rig = await StandbyAsync();
        await TakeOverAsync(rig);
        // Both paths cut and back: this box stayed master on lan, the peer had called itself master there too.
        await rig.AdvanceAsync(GratuitousArp.RepeatAfter[^1] + (GratuitousArp.Refresh / 2));
        var before = Announcements(rig).Length;

        rig.Controller.ReportPeerStoodDown("lan");
        await rig.FlushAsync();
        Assert.AreEqual(before + GratuitousArp.Copies, Announcements(rig).Length, "announced at once, not at the next refresh");

        // keepalived tells it again with each of the peer's adverts (every 10 ms): one announcement for all of them.
        for (var i = 0; i < 3; i++)
        {
            rig.Controller.ReportPeerStoodDown("lan");
            await rig.AdvanceAsync(TimeSpan.FromMilliseconds(10));
        }
        Assert.AreEqual(before + GratuitousArp.Copies, Announcements(rig).Length, "no announcement per advert");

        // And the repeats from the first: they are not pushed back by the adverts.
        await rig.AdvanceAsync(GratuitousArp.RepeatAfter[0]);
        Assert.AreEqual(before + (2 * GratuitousArp.Copies), Announcements(rig).Length, "the first repeat");
    }

    [TestMethod]
    public async Task AStandbyDoesNotAnnounceWhenToldOfALowerPriority()
    {
        await using var rig = await StandbyAsync();

        rig.Controller.ReportPeerStoodDown("lan");
        await rig.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.IsEmpty(Announcements(rig));
    }
}
