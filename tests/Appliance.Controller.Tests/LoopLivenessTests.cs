namespace Appliance.Controller.Tests;

[TestClass]
public sealed class LoopLivenessTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    [TestMethod]
    public void EveryLoopAliveMeansNoProblem()
    {
        var liveness = new LoopLiveness();
        liveness.Watch("controller loop", LoopLiveness.Active(() => TimeSpan.FromSeconds(1), Limit));
        liveness.Watch("probe schedule", LoopLiveness.Active(() => null, Limit));
        liveness.Watch("ARP receiver", LoopLiveness.Running(new TaskCompletionSource().Task));
        liveness.Watch("panel", LoopLiveness.NotFaulted(() => null));
        Assert.IsEmpty(liveness.Problems());
    }

    [TestMethod]
    public void ALoopThatStoppedMakesTheCheckFailAndIsNamed()
    {
        var time = new FakeTimeProvider();
        var lastBeat = time.GetTimestamp();
        var receiving = new TaskCompletionSource();
        Exception? fault = null;
        var liveness = new LoopLiveness();
        liveness.Watch("probe schedule", LoopLiveness.Active(() => time.GetElapsedTime(lastBeat), Limit));
        liveness.Watch("ARP receiver", LoopLiveness.Running(receiving.Task));
        liveness.Watch("panel", LoopLiveness.NotFaulted(() => fault));
        liveness.Watch("broken check", () => throw new InvalidOperationException("no idea"));

        time.Advance(Limit + TimeSpan.FromSeconds(1));
        receiving.SetException(new IOException("socket gone"));
        fault = new InvalidOperationException("GPIO line released");

        CollectionAssert.AreEqual(new[]
        {
            "probe schedule: no activity for 6.0 s",
            "ARP receiver: ended with IOException: socket gone",
            "panel: stopped by InvalidOperationException: GPIO line released",
            "broken check: cannot tell: no idea",
        }, liveness.Problems().ToArray());
    }

    [TestMethod]
    public async Task TheControllersLoopShowsActivityWhileItRunsAndNoneOnceItStopped()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        var liveness = new LoopLiveness();
        liveness.Watch("controller loop", LoopLiveness.Active(() => rig.Controller.SinceLoopActivity, Limit));

        await rig.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.IsEmpty(liveness.Problems(), "the heartbeat keeps an idle loop active");

        await rig.StopAsync();
        rig.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.HasCount(1, liveness.Problems());
    }
}
