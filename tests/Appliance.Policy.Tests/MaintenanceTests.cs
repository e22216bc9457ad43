namespace Appliance.Policy.Tests;

/// <summary>Maintenance (a 3 s hold drains the serving server) and how a failback ends it.</summary>
[TestClass]
public sealed class MaintenanceTests
{
    /// <summary>Manual failback: the slave serves, the master is healthy again and stands by; then a hold moves service to the master.</summary>
    private static Harness SlaveDrainedWhileTheMasterServes()
    {
        var h = new Harness(failback: "manual");
        h.Connect();
        h.Probes("master", false, 3);
        h.Probes("master", true, 3);
        var moved = h.Move().Reply!;
        Assert.IsTrue(moved.Accepted, moved.Message);
        Assert.AreEqual("master", h.Active);
        Assert.IsTrue(h.Server("slave").Drained);
        return h;
    }

    [TestMethod]
    public void AFailbackEndsMaintenanceAlsoWhenTheServingServerStays()
    {
        var h = SlaveDrainedWhileTheMasterServes();

        var reply = h.Failback().Reply!;

        Assert.IsTrue(reply.Accepted, reply.Message);
        Assert.AreEqual("master is serving; slave is back in service", reply.Message);
        Assert.IsFalse(h.Server("slave").Drained);
        Assert.AreEqual("master", h.Active);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets, "the slave is a backup again");
        Assert.IsTrue(h.Events.Any(e => e.Kind == EventKind.MaintenanceEnded && e.Server == "slave"));
    }

    [TestMethod]
    public void AFailbackWithNothingDrainedAndTheMasterServingIsStillRefused()
    {
        var h = new Harness();
        h.Connect();
        var reply = h.Failback().Reply!;
        Assert.IsFalse(reply.Accepted);
        Assert.AreEqual("master is already serving", reply.Message);
    }

    [TestMethod]
    public void ADrainedServerIsStillALastResort()
    {
        var h = new Harness();
        h.Connect();
        h.Move();
        Assert.AreEqual("slave", h.Active);

        h.Link("slave", up: false);

        Assert.IsNull(h.Active, "no server is usable: the master is drained");
        CollectionAssert.AreEqual(new[] { "master" }, h.Buckets, "the drained master is healthy: the VIP goes there rather than nowhere");
    }

    [TestMethod]
    public void TheLastResortPutsServersWhoseProbesPassFirst()
    {
        var h = SlaveDrainedWhileTheMasterServes();

        h.Probes("master", false, 3);

        Assert.IsNull(h.Active);
        CollectionAssert.AreEqual(new[] { "slave", "master" }, h.Buckets, "the drained slave answers its probes, the master does not");
    }

    [TestMethod]
    public void TheFaultLedBlinksWhileAServerIsDrained()
    {
        var h = SlaveDrainedWhileTheMasterServes();
        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Blink), h.Panel, "maintenance pending: not every server is in service");

        h.Failback();

        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off), h.Panel);
    }
}
