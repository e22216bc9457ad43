namespace Appliance.Controller.Tests;

/// <summary>Probe results, links, requests and timers, seen where they matter: in the switch's group.</summary>
[TestClass]
public sealed class FailoverTests
{
    [TestMethod]
    public async Task FailedProbesFailOverAndGoodOnesFailBack()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts);

        rig.Probes("master", healthy: false, 3);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts);
        Assert.AreEqual("slave", rig.Status.Active);
        Assert.AreEqual(1, rig.Status.Failovers);

        rig.Probes("master", healthy: true, 3);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts);
        Assert.AreEqual("master", rig.Status.Active);
        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
    }

    [TestMethod]
    public async Task ALinkLostOnThePortFailsOverAndTheServerReturnsOnlyAfterGoodProbes()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();

        rig.Switch.SetLink(1, up: false);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts);
        Assert.AreEqual(LinkState.Down, rig.Server("master").Link);

        rig.Switch.SetLink(1, up: true);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts, "a link is not health");

        rig.Probes("master", healthy: true, 3);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts);
    }

    [TestMethod]
    public async Task WithManualFailbackTheMasterWaitsBehindTheSlaveUntilARequest()
    {
        await using var rig = new ControllerRig(failback: "manual");
        rig.Start();
        await rig.AdoptAsync();
        rig.Probes("master", healthy: false, 3);
        rig.Probes("master", healthy: true, 3);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 2, 1 }, rig.BucketPorts, "the slave serves, the master is its fallback");

        var outcome = await rig.Controller.FailbackAsync("test").WaitAsync(ControllerRig.Guard);

        Assert.IsTrue(outcome.Accepted, outcome.Message);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts);
    }

    [TestMethod]
    public async Task AFlappingMasterIsHeldOutAndTheWakeUpAtTheEndOfTheHoldBringsItBack()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();
        rig.Probes("master", healthy: false, 3);
        rig.Probes("master", healthy: true, 3);
        rig.Probes("master", healthy: false, 3);
        rig.Probes("master", healthy: true, 3);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts, "held out after its second down");

        await rig.AdvanceAsync(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts);

        await rig.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts, "woken at the end of the hold, not at the next heartbeat");
        Assert.AreEqual("master", rig.Status.Active);
    }
}
