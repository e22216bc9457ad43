using Appliance.Policy;

namespace Appliance.Controller.Tests;

/// <summary>
/// The office port's link reaches the policy from the switch (docs/pair.md, failure table): port 4 here, the one bridge
/// port that is not a server's; the bonus written to keepalived follows.
/// </summary>
[TestClass]
public sealed class PairOfficeTests
{
    private const uint OfficePort = 4;

    private static async Task<ControllerRig> ActiveAsync()
    {
        var rig = new ControllerRig(ports: [1, 2, OfficePort]);
        rig.Start();
        rig.Controller.StartPair(["lan", "peer"], TimeSpan.FromSeconds(1), wasActive: true);
        await rig.AdoptAsync();
        await rig.FlushAsync();
        Assert.AreEqual(PairRole.Active, rig.Status.Pair!.Role);
        Assert.IsTrue(rig.Status.Pair.OfficeUp);
        return rig;
    }

    [TestMethod]
    public async Task TheOfficePortsLinkLossHandsOverAndItsReturnLeavesAStandby()
    {
        await using var rig = await ActiveAsync();

        rig.Switch.SetLink(OfficePort, up: false);
        await rig.FlushAsync();

        Assert.IsFalse(rig.Status.Pair!.OfficeUp);
        Assert.AreEqual(PairBonus.Handover, rig.Status.Pair.Bonus);
        Assert.IsTrue(rig.Controller.Events.Snapshot().Any(e => e.Kind == EventKind.PairHandover && e.Message.StartsWith("office port down", StringComparison.Ordinal)));

        rig.Controller.ReportPairPath("peer", VrrpState.Backup);
        await rig.FlushAsync();
        Assert.AreEqual(PairRole.Standby, rig.Status.Pair!.Role);

        rig.Switch.SetLink(OfficePort, up: true);
        await rig.FlushAsync();
        Assert.IsTrue(rig.Status.Pair!.OfficeUp);
        Assert.AreEqual(PairRole.Standby, rig.Status.Pair.Role);
        Assert.AreEqual(PairBonus.Standby, rig.Status.Pair.Bonus);
    }

    [TestMethod]
    public async Task AServersLinkIsNotTheOfficePort()
    {
        await using var rig = await ActiveAsync();

        rig.Switch.SetLink(1, up: false);
        await rig.FlushAsync();

        Assert.IsTrue(rig.Status.Pair!.OfficeUp);
        Assert.AreEqual(PairBonus.Active, rig.Status.Pair.Bonus);
    }

    [TestMethod]
    public async Task AnOfficePortDownWhenTheSwitchConnectsCounts()
    {
        await using var rig = new ControllerRig(ports: [1, 2, OfficePort]);
        rig.Switch.SetLink(OfficePort, up: false);
        rig.Start();
        rig.Controller.StartPair(["lan", "peer"], TimeSpan.FromSeconds(1), wasActive: true);

        await rig.AdoptAsync();
        await rig.FlushAsync();

        Assert.IsFalse(rig.Status.Pair!.OfficeUp);
        Assert.AreEqual(PairBonus.Handover, rig.Status.Pair.Bonus);
    }
}
