namespace Appliance.Policy.Tests;

/// <summary>Passive health: refusals of client connections, seen in the switch, take a server down before any probe.</summary>
[TestClass]
public sealed class PassiveHealthTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [TestMethod]
    public void TheFirstRefusedClientTakesTheServerAndItsConnectionsOutAtOnce()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", true, 3);
        h.Refused("master");
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets, "new connections leave at once");
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown, "a service that refuses would only reset its connections too");
        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
        StringAssert.Contains(h.Events.Single(e => e.Kind == EventKind.HealthDown).Message, "refused a client connection (TCP port 80: reset)");
        StringAssert.Contains(h.Events.Single(e => e.Kind == EventKind.HardDown).Message, "refused a client connection");
        Assert.AreEqual("failover from master to slave (master unhealthy: refused a client connection (TCP port 80: reset))",
            h.Events.Single(e => e.Kind == EventKind.Failover).Message);
    }

    [TestMethod]
    public void ProbesAloneBringTheServerBack()
    {
        var h = new Harness();
        h.Connect();
        h.Refused("master", RefusalKind.PortUnreachable, 7);
        StringAssert.Contains(h.Server("master").LastDetail, "UDP port 7: port unreachable");
        h.Probes("master", true, 2);
        Assert.AreEqual("slave", h.Active, "a refused server needs rise good probes like any down server");
        h.Probes("master", true, 1);
        Assert.AreEqual("master", h.Active);
        Assert.IsEmpty(h.HardDown);
    }

    [TestMethod]
    public void RefusalsCountOnlyWithinTheWindow()
    {
        var h = new Harness(passive: "passive_refusals: 3, passive_within: 100ms");
        h.Connect();
        h.Refused("master");
        h.Advance(10 * Ms).Refused("master");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets, "two of three");
        h.Advance(95 * Ms).Refused("master");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets, "the first fell out of the window");
        h.Advance(4 * Ms).Refused("master");
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown);
        StringAssert.Contains(h.Events.Single(e => e.Kind == EventKind.HealthDown).Message, "refused 3 client connections in 99 ms (TCP port 80: reset)");
    }

    [TestMethod]
    public void ASoftDownServerThatRefusesIsHardDown()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3, "timeout");
        Assert.IsEmpty(h.HardDown, "soft-down keeps its connections");
        h.Refused("master");
        CollectionAssert.AreEqual(new[] { "master" }, h.HardDown);
        Assert.IsFalse(h.Last.Events.Any(e => e.Kind == EventKind.HealthDown), "it was down already");
    }

    [TestMethod]
    public void AStandbyThatRefusesAPinnedConnectionIsDownToo()
    {
        var h = new Harness();
        h.Connect();
        h.Refused("slave", RefusalKind.HostUnreachable, 53);
        CollectionAssert.AreEqual(new[] { "master" }, h.Buckets);
        CollectionAssert.AreEqual(new[] { "slave" }, h.HardDown);
        Assert.AreEqual("master", h.Active, "the active server is untouched");
    }

    [TestMethod]
    public void OffIgnoresRefusals()
    {
        var h = new Harness(passive: "passive: off");
        h.Connect();
        h.Refused("master");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.IsEmpty(h.Events.Where(e => e.Kind is EventKind.HealthDown or EventKind.HardDown));
    }

    [TestMethod]
    public void WithTheLinkAsTheProbeRefusalsAreIgnored()
    {
        // Nothing but the link could bring the server back.
        var h = new Harness(probe: "link");
        h.Connect();
        h.Refused("master");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
    }

    [TestMethod]
    public void AnUnknownServerIsIgnored()
    {
        var h = new Harness();
        h.Connect();
        h.Refused("nobody");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.IsEmpty(h.Last.Events);
    }
}
