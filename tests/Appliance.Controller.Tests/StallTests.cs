namespace Appliance.Controller.Tests;

/// <summary>
/// A switch that does not answer (stalled, or slow on purpose) must not stall the firmware: the
/// loop keeps taking probe results, requests and timers while a batch or a read is outstanding,
/// and sends the next difference once the switch answers, against what it then holds.
/// </summary>
[TestClass]
public sealed class StallTests
{
    [TestMethod]
    public async Task WhileABatchIsOutstandingProbesStillDecideRequestsAreAnsweredAndTheStatusIsPublished()
    {
        await using var rig = new ControllerRig(passive: "off");
        rig.Start();
        var channel = await rig.AdoptAsync();
        rig.Switch.Stall();
        rig.Probes("master", healthy: false, 3);
        await rig.Switch.RequestHeld.WaitAsync(ControllerRig.Guard);

        rig.Probes("master", healthy: true, 3);
        // Failed over, and back: decided while the switch still has not answered the failover's batch.
        await rig.StatusWhenAsync(s => s.Failovers == 1 && s.Active == "master" && s.Servers[0].Health == HealthState.Up, "the master back while the switch stalls");
        var press = await rig.Controller.PressAsync(PressKind.Short, "test").WaitAsync(ControllerRig.Guard);

        Assert.IsFalse(press.Accepted, "answered from the decision: the master serves again");
        Assert.AreEqual("master is already serving", press.Message);
        Assert.HasCount(2, rig.BatchesOn(channel), "one batch at a time: the failback waits for the failover's answer");

        rig.Switch.Resume();
        await rig.FlushAsync();

        var next = rig.BatchesOn(channel)[^1].Messages;
        Assert.IsTrue(next.All(m => m is GroupMod), "sent against what the switch holds now: the failover's groups");
        Assert.HasCount(2, next, "new connections and the slave's pinned group");
        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
        Assert.IsFalse(channel.IsClosed);
    }

    [TestMethod]
    public async Task ARequestPostedDuringAStallIsAnsweredWithoutWaitingForTheSwitch()
    {
        await using var rig = new ControllerRig(failback: "manual");
        rig.Start();
        await rig.AdoptAsync();
        rig.Probes("master", healthy: false, 3);
        rig.Probes("master", healthy: true, 3);
        await rig.FlushAsync();
        rig.Switch.Stall();
        rig.Probes("slave", healthy: false, 3);
        await rig.Switch.RequestHeld.WaitAsync(ControllerRig.Guard);

        var posted = rig.Controller.Now;
        var outcome = await rig.Controller.FailbackAsync("test").WaitAsync(ControllerRig.Guard);
        var answered = rig.Controller.Now;

        Assert.AreEqual(TimeSpan.Zero, answered - posted, "answered with the fake clock standing still: the switch's request timeout never ran");
        Assert.IsFalse(outcome.Accepted, "the slave failed and the master already serves again");
        Assert.AreEqual("master", rig.Status.Active);
    }

    [TestMethod]
    public async Task ASwitchThatStallsPastTheRequestTimeoutIsGivenUpAndTheNextSessionGetsTheLatestDecision()
    {
        await using var rig = new ControllerRig(passive: "off");
        rig.Start();
        var channel = await rig.AdoptAsync();
        rig.Switch.Stall();
        rig.Probes("master", healthy: false, 3);
        await rig.Switch.RequestHeld.WaitAsync(ControllerRig.Guard);
        var press = await rig.Controller.PressAsync(PressKind.Long, "test").WaitAsync(ControllerRig.Guard);
        Assert.IsFalse(press.Accepted, "answered at once: no other healthy server to move to");

        rig.Time.Advance(rig.Switch.RequestTimeout);
        await channel.Closed.WaitAsync(ControllerRig.Guard);
        await rig.FlushAsync();

        Assert.IsFalse(rig.Status.SwitchConnected);
        Assert.AreEqual("slave", rig.Status.Active, "the decision stands; only the switch did not get it");
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts, "the stalled batch was never applied");

        rig.Switch.Resume();
        var next = await rig.AdoptAsync();

        Assert.IsTrue(rig.BatchesOn(next).Single().Messages.All(m => m is GroupMod), "only the groups differ");
        // The request timeout outlasts health.hard_down: the master's connections have moved too by now.
        rig.AssertSwitchHolds(rig.ExpectedHardDown(ControllerRig.BothMacs, ["slave"], "master"));
        Assert.IsTrue(rig.Status.SwitchConnected);
    }

    [TestMethod]
    public async Task AnAdoptionWhoseReadBackStallsDoesNotBlockTheLoop()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        rig.Switch.Stall();

        var channel = rig.Connect();
        await rig.Switch.RequestHeld.WaitAsync(ControllerRig.Guard);
        var outcome = await rig.Controller.FailbackAsync("test").WaitAsync(ControllerRig.Guard);
        await rig.FlushLoopAsync();

        Assert.IsFalse(outcome.Accepted, "no server serves before the switch is adopted");
        Assert.IsFalse(rig.Controller.SwitchProgrammed.IsCompleted);
        Assert.IsEmpty(rig.BatchesOn(channel), "nothing is sent before the read-back says what the switch holds");

        rig.Switch.Resume();
        await rig.Controller.SwitchProgrammed.WaitAsync(ControllerRig.Guard);
        await rig.FlushAsync();

        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
        Assert.AreEqual("master", rig.Status.Active);
    }
}
