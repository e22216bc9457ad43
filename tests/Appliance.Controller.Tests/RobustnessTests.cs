namespace Appliance.Controller.Tests;

/// <summary>Nothing one part does wrong leaves the switch unprogrammed or a request unanswered.</summary>
[TestClass]
public sealed class RobustnessTests
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task ACarrierWatchThatThrowsDoesNotStopAdoption(bool synchronously)
    {
        await using var rig = new ControllerRig();
        rig.Start(carrier: new ThrowingCarrierWatch(synchronously));

        await rig.AdoptAsync();

        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
        Assert.IsTrue(rig.Controller.SwitchProgrammed.IsCompleted);
        Assert.AreEqual("master", rig.Status.Active);
    }

    [TestMethod]
    public async Task ARequestIsAnsweredEvenWhenHandlingItThrows()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();
        rig.Controller.StatusChanged += _ => throw new InvalidOperationException("a broken status listener");

        var outcome = await rig.Controller.PressAsync(PressKind.Long, "test").WaitAsync(ControllerRig.Guard);

        Assert.IsTrue(outcome.Accepted, "the decision was taken before the listener threw");
        Assert.AreEqual("slave", rig.Status.Active);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts, "and carried out");
    }

    [TestMethod]
    public async Task ARequestToAStoppedControllerIsRefusedNotLeftWaiting()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();
        await rig.StopAsync();

        var outcome = await rig.Controller.FailbackAsync("test").WaitAsync(ControllerRig.Guard);

        Assert.IsFalse(outcome.Accepted);
        StringAssert.Contains(outcome.Message, "stopping");
    }

    private sealed class ThrowingCarrierWatch(bool synchronously) : ICarrierWatch
    {
        public Task WatchAsync(IReadOnlyDictionary<string, string> servers) =>
            synchronously ? throw new InvalidOperationException("netlink said no") : Task.FromException(new UnauthorizedAccessException("netlink said no"));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
