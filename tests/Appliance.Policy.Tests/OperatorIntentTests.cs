namespace Appliance.Policy.Tests;

/// <summary>What the operator asked for outlives a restart: drains and the manual-failback hold.</summary>
[TestClass]
public sealed class OperatorIntentTests
{
    private static OperatorIntent Drained(params string[] servers) => new([.. servers], null);

    private static OperatorIntent Held(string server) => new([], server);

    [TestMethod]
    public void TheIntentNamesTheDrainedServersAndTheServerHeldForAManualFailback()
    {
        var h = new Harness(failback: "manual");
        h.Connect();
        Assert.AreEqual(OperatorIntent.None, h.State.Intent);

        h.Probes("master", false, 3);
        Assert.AreEqual(Held("slave"), h.State.Intent, "service left the master: the slave serves until a failback");
        h.Probes("master", true, 3);
        Assert.AreEqual(Held("slave"), h.State.Intent);

        h.Move();
        Assert.AreEqual(Drained("slave"), h.State.Intent, "the master serves again; the slave is out for maintenance");

        h.Failback();
        Assert.AreEqual(OperatorIntent.None, h.State.Intent);
    }

    [TestMethod]
    public void WithAutomaticFailbackNothingIsHeld()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3);
        Assert.AreEqual("slave", h.Active);
        Assert.AreEqual(OperatorIntent.None, h.State.Intent);
        h.Move();
        Assert.AreEqual(OperatorIntent.None, h.State.Intent, "no other server to move to: refused");
    }

    [TestMethod]
    public void ARestoredDrainKeepsTheServerOutAfterARestart()
    {
        var h = new Harness();
        var restored = h.Restore(Drained("master"));
        Assert.AreEqual(EventKind.StateRestored, restored.Events.Single().Kind);
        StringAssert.Contains(restored.Events.Single().Message, "master drained");
        Assert.AreEqual(Drained("master"), h.State.Intent);

        // The switch lost its rules too (the box rebooted): nothing else remembers the drain.
        h.Connect(group: null);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        h.Probes("master", true, 10);
        Assert.AreEqual("slave", h.Active, "auto failback does not undo maintenance");

        Assert.IsTrue(h.Failback().Reply!.Accepted);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void ARestoredManualHoldKeepsTheSameServerServingAlsoWhenTheSwitchLostItsRules()
    {
        var h = new Harness(failback: "manual");
        h.Restore(Held("slave"));
        Assert.AreEqual(Held("slave"), h.State.Intent, "kept while the switch has not connected yet");

        h.Connect(group: null);

        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave", "master" }, h.Buckets);
        Assert.AreEqual(LedPattern.Blink, h.Panel.Master, "green blinks: failback pending");
        Assert.AreEqual(Held("slave"), h.State.Intent);
        Assert.IsTrue(h.Failback().Reply!.Accepted);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void AHoldIsIgnoredWithAutomaticFailback()
    {
        var h = new Harness();
        var restored = h.Restore(Held("slave"));
        StringAssert.Contains(restored.Events.Single().Message, "failback is auto");
        h.Connect(group: null);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void AHeldServerThatCannotServeAtStartGivesWay()
    {
        var h = new Harness(failback: "manual");
        h.Restore(Held("slave"));
        h.Connect(group: null, live: "master");
        Assert.AreEqual("master", h.Active);
        Assert.AreEqual(OperatorIntent.None, h.State.Intent);
    }

    [TestMethod]
    public void AnUnreadableStateSaysSoAndStartsWithNothingDrainedOrHeld()
    {
        var h = new Harness(failback: "manual");
        var restored = h.Restore(OperatorIntent.None, "not JSON: 'x' is an invalid start of a value");
        var e = restored.Events.Single();
        Assert.AreEqual(EventKind.StateReset, e.Kind);
        StringAssert.Contains(e.Message, "not JSON");
        h.Connect(group: null);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void ServersTheConfigNoLongerHasAreIgnored()
    {
        var h = new Harness(failback: "manual");
        var restored = h.Restore(new OperatorIntent(["ghost", "slave"], "phantom"));
        StringAssert.Contains(restored.Events.Single().Message, "ghost");
        StringAssert.Contains(restored.Events.Single().Message, "phantom");
        Assert.AreEqual(Drained("slave"), h.State.Intent);
        h.Connect(group: null);
        Assert.AreEqual("master", h.Active);
    }
}
