namespace Appliance.Controller.Tests;

/// <summary>The controller feeds the policy what it needs to tell a switch restart from failing servers.</summary>
[TestClass]
public sealed class SwitchRestartTests
{
    [TestMethod]
    public async Task ProbeFailuresCountAgainOnlyOnceTheReconnectedSwitchConfirmedTheRules()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        var first = await rig.AdoptAsync();

        first.Close("connection closed by the switch");
        rig.Switch.LoseTables();
        rig.Probes("master", healthy: false, 5);
        await rig.FlushAsync();
        Assert.AreEqual(HealthState.Up, rig.Server("master").Health, "the switch is away: its fault, not the master's");

        await rig.AdoptAsync();
        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
        rig.Probes("master", healthy: false, 5);
        await rig.FlushAsync();
        Assert.AreEqual(HealthState.Up, rig.Server("master").Health, "the rules are back, the master has not answered yet");

        rig.Time.Advance(FailoverPolicy.SwitchSettle);
        rig.Probes("master", healthy: false, 3);
        await rig.FlushAsync();

        Assert.AreEqual(HealthState.Down, rig.Server("master").Health, "the grace ended: the rules were confirmed");
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts);
        Assert.IsFalse(rig.Controller.Events.Snapshot().Any(e => e.Kind == EventKind.HeldDown));
    }

    [TestMethod]
    public async Task APortTheSwitchDropsWhileTheCarrierStaysUpIsNoServerFailure()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();
        rig.Controller.ReportCarrier("master", up: true, rig.Controller.Now);

        rig.Switch.SetLink(1, up: false);
        await rig.FlushAsync();

        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts);
        Assert.AreEqual(HealthState.Up, rig.Server("master").Health);

        rig.Switch.SetLink(1, up: true);
        await rig.FlushAsync();

        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts, "back at once, without waiting for rise probes");
        Assert.IsFalse(rig.Controller.Events.Snapshot().Any(e => e.Kind == EventKind.HealthDown));
    }
}
