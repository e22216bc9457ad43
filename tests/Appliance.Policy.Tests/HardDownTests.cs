namespace Appliance.Policy.Tests;

/// <summary>Soft and hard down: which failures move the connections a server already carries.</summary>
[TestClass]
public sealed class HardDownTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [TestMethod]
    public void ASilentServerLosesNewConnectionsAtOnceAndItsOwnOnlyPastHardDown()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", true, 1);
        var lastAnswer = h.Now;
        h.Probes("master", false, 3, "timeout");
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets, "soft-down: no new connections");
        Assert.IsEmpty(h.HardDown, "its connections stay while it may only be slow");
        Assert.IsFalse(h.Server("master").HardDown);
        Assert.AreEqual(lastAnswer + 500 * Ms, h.Last.WakeAt, "the policy asks to be woken when the silence runs out");

        h.Advance(lastAnswer + 499 * Ms - h.Now).Tick();
        Assert.IsEmpty(h.HardDown);
        h.Advance(1 * Ms).Tick();
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown);
        Assert.IsTrue(h.Last.DesiredChanged);
        StringAssert.Contains(h.Events.Single(e => e.Kind == EventKind.HardDown).Message, "silent for 500 ms");
    }

    [TestMethod]
    public void AFalseAlarmCostsNothing()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3, "timeout");
        Assert.AreEqual("slave", h.Active);
        h.Probes("master", true, 3);
        Assert.AreEqual("master", h.Active, "automatic failback of new connections");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.IsEmpty(h.HardDown);
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.HardDown), "established connections never moved");
        h.Advance(TimeSpan.FromSeconds(5)).Tick();
        Assert.IsEmpty(h.HardDown, "the silence was over before it counted");
    }

    [TestMethod]
    public void ARefusalMovesTheConnectionsAtOnceEvenAfterASoftDown()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3, "connection refused", refused: true);
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown, "a service that refuses is gone: its connections would only get resets");
        StringAssert.Contains(h.Events.Single(e => e.Kind == EventKind.HardDown).Message, "connection refused");

        var soft = new Harness();
        soft.Connect();
        soft.Probes("slave", false, 3, "timeout");
        Assert.IsEmpty(soft.HardDown);
        soft.Probes("slave", false, 1, "connection reset", refused: true);
        CollectionAssert.AreEqual(new[] { "slave" }, soft.HardDown);
    }

    [TestMethod]
    public void RefusalsBelowFallMoveNothing()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 2, "connection refused", refused: true);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.IsEmpty(h.HardDown);
    }

    [TestMethod]
    public void ADeadLinkIsHardDown()
    {
        var h = new Harness();
        h.Connect();
        h.Link("master", up: false);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown);
        h.Link("master", up: true);
        h.Probes("master", true, 3);
        Assert.IsEmpty(h.HardDown, "healthy again: its pinned group delivers to it again");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
    }

    [TestMethod]
    public void AZeroHardDownMovesConnectionsWithTheFirstDown()
    {
        var h = new Harness(hardDown: "0");
        h.Connect();
        h.Probes("master", false, 3, "timeout");
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown);
    }

    [TestMethod]
    public void DrainedAndHeldServersKeepTheirConnections()
    {
        var h = new Harness();
        h.Connect();
        Assert.IsTrue(h.Move().Reply!.Accepted);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        h.Advance(TimeSpan.FromSeconds(10)).Tick();
        Assert.IsEmpty(h.HardDown, "maintenance drains: the master's connections finish there");
    }

    [TestMethod]
    public void WithNoUsableServerNobodyLosesItsConnections()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3, "connection refused", refused: true);
        h.Probes("slave", false, 3, "connection refused", refused: true);
        Assert.IsNull(h.Active);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets, "last resort: every server with a link");
        Assert.IsEmpty(h.HardDown, "a server that still takes new connections keeps its old ones");
        Assert.IsTrue(h.Server("master").HardDown);
    }

    [TestMethod]
    public void ARestartedFirmwareTakesHardDownFromTheSwitch()
    {
        var h = new Harness();
        h.ConnectHardDown(["slave"], "master");
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown, "what the switch holds is kept: nothing moves back");
        h.Probes("master", true, 3);
        Assert.IsEmpty(h.HardDown);
    }

    [TestMethod]
    public void ARestartedFirmwareCountsASoftDownServersSilenceFromItsStart()
    {
        var h = new Harness();
        h.ConnectHardDown(["slave"]);
        Assert.IsEmpty(h.HardDown, "left out of new connections only: its connections stay");
        var adopted = h.Now;
        h.Advance(499 * Ms).Tick();
        Assert.IsEmpty(h.HardDown);
        h.Advance(adopted + 500 * Ms - h.Now).Tick();
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown);
    }

    [TestMethod]
    public void NoServerIsHardDownedWhileTheSwitchIsAway()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3, "timeout");
        h.Disconnect();
        h.Advance(TimeSpan.FromSeconds(2)).Tick();
        Assert.IsFalse(h.Server("master").HardDown, "probes are excused while the switch is away");
        h.Connect(["slave"]);
        Assert.IsTrue(h.Server("master").HardDown, "back: the silence, which began before, counts");
    }
}
