namespace Appliance.Policy.Tests;

[TestClass]
public sealed class FailoverPolicyTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [TestMethod]
    public void FirstStartServesTheMasterWithTheSlaveBehindIt()
    {
        var h = new Harness();
        var decision = h.Connect();
        Assert.IsTrue(decision.DesiredChanged);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.AreEqual("master", h.Active);
        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off), h.Panel);
        Assert.AreEqual(ServerRole.Active, h.Role("master"));
        Assert.AreEqual(ServerRole.Standby, h.Role("slave"));
        Assert.AreEqual(0, h.State.Failovers);
    }

    [TestMethod]
    public void MasterGoesDownOnlyAfterFallFailedProbes()
    {
        var h = new Harness(fall: 3);
        h.Connect();
        h.Probes("master", healthy: false, count: 2);
        Assert.AreEqual("master", h.Active, "two failures are not three");
        Assert.IsFalse(h.Last.DesiredChanged);
        h.Probes("master", healthy: false, count: 1);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        Assert.AreEqual(1, h.State.Failovers);
        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.On, LedPattern.Blink), h.Panel);
        Assert.AreEqual(ServerRole.Down, h.Role("master"));
        var failover = h.Events.Single(e => e.Kind == EventKind.Failover);
        StringAssert.Contains(failover.Message, "connection refused");
    }

    [TestMethod]
    public void AGoodProbeBetweenFailuresResetsTheCount()
    {
        var h = new Harness(fall: 3);
        h.Connect();
        h.Probes("master", false, 2);
        h.Probes("master", true, 1);
        h.Probes("master", false, 2);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void AutoFailbackOnlyAfterRiseGoodProbes()
    {
        var h = new Harness(rise: 3);
        h.Connect();
        h.Probes("master", false, 3);
        h.Probes("master", true, 2);
        Assert.AreEqual("slave", h.Active, "two good probes are not three");
        h.Probes("master", true, 1);
        Assert.AreEqual("master", h.Active);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.AreEqual(1, h.State.Failovers, "a failback is not a failover");
        Assert.IsTrue(h.Events.Any(e => e.Kind == EventKind.Failback));
    }

    [TestMethod]
    public void ManualModeStaysOnTheSlaveWithTheMasterStandingBy()
    {
        var h = new Harness(failback: "manual");
        h.Connect();
        h.Probes("master", false, 3);
        h.Probes("master", true, 10);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave", "master" }, h.Buckets, "the switch may still fall back to the master if the slave's link dies");
        Assert.AreEqual(new PanelView(LedPattern.Blink, LedPattern.On, LedPattern.Off), h.Panel, "green blinks: failback pending");
        var reply = h.Failback().Reply!;
        Assert.IsTrue(reply.Accepted, reply.Message);
        Assert.AreEqual("master", h.Active);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off), h.Panel);
    }

    [TestMethod]
    public void FailbackIsRefusedWhileTheMasterIsUnhealthy()
    {
        var h = new Harness(failback: "manual");
        h.Connect();
        h.Probes("master", false, 3, "timeout");
        var before = h.Buckets;
        var decision = h.Failback();
        Assert.IsFalse(decision.Reply!.Accepted);
        StringAssert.Contains(decision.Reply.Message, "master unhealthy");
        StringAssert.Contains(decision.Reply.Message, "timeout");
        Assert.IsFalse(decision.DesiredChanged);
        CollectionAssert.AreEqual(before, h.Buckets);
        Assert.AreEqual(EventKind.RequestRefused, decision.Events.Single().Kind);
    }

    [TestMethod]
    public void FailbackWhileTheMasterServesIsRefusedAsPointless()
    {
        var h = new Harness();
        h.Connect();
        var reply = h.Failback().Reply!;
        Assert.IsFalse(reply.Accepted);
        StringAssert.Contains(reply.Message, "already serving");
    }

    [TestMethod]
    public void LinkLossFailsOverAtOnceAndTheLinkAloneDoesNotBringTheMasterBack()
    {
        var h = new Harness(rise: 3);
        h.Connect();
        h.Link("master", up: false);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        h.Link("master", up: true);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets, "not back in the group before rise probes");
        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
        h.Probes("master", true, 3);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void ProbesCannotRaiseAServerWhoseLinkIsDown()
    {
        var h = new Harness();
        h.Connect();
        h.Link("master", up: false);
        h.Probes("master", true, 10); // a stale probe answer racing the link event
        Assert.AreEqual("slave", h.Active);
    }

    [TestMethod]
    public void WithTheLinkProbeTheLinkDecidesBothWays()
    {
        var h = new Harness(probe: "link");
        h.Connect();
        h.Probes("master", false, 5); // probe results mean nothing with probe: link
        Assert.AreEqual("master", h.Active);
        h.Link("master", up: false);
        Assert.AreEqual("slave", h.Active);
        h.Link("master", up: true);
        Assert.AreEqual("master", h.Active, "link up fails back");
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
    }

    [TestMethod]
    public void ThreeServersFailOverInPriorityOrder()
    {
        var h = new Harness(servers: 3);
        h.Connect();
        CollectionAssert.AreEqual(new[] { "master", "slave", "spare" }, h.Buckets);
        h.Probes("master", false, 3);
        CollectionAssert.AreEqual(new[] { "slave", "spare" }, h.Buckets);
        h.Link("slave", up: false);
        Assert.AreEqual("spare", h.Active);
        h.Probes("master", true, 3);
        Assert.AreEqual("master", h.Active, "the highest-priority healthy server, not the next one up");
        CollectionAssert.AreEqual(new[] { "master", "spare" }, h.Buckets);
        Assert.AreEqual(2, h.State.Failovers);
    }

    [TestMethod]
    public void WithEveryServerDownTheSwitchForwardsToLinkUpServersAsALastResort()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3);
        h.Probes("slave", false, 3);
        Assert.IsNull(h.Active);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, h.Buckets);
        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.Off, LedPattern.On), h.Panel);
        Assert.IsTrue(h.Events.Any(e => e.Kind == EventKind.NoHealthyServer));
        h.Link("master", up: false);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        h.Probes("slave", true, 3);
        Assert.AreEqual("slave", h.Active);
        Assert.IsTrue(h.Events.Any(e => e.Kind == EventKind.Serving && e.Server == "slave"));
    }

    [TestMethod]
    public void StartingWhileTheMastersLinkIsDown()
    {
        var h = new Harness();
        h.Connect(group: null, live: "slave");
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        Assert.AreEqual(0, h.State.Failovers, "nothing failed over: the master never served");
        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.On, LedPattern.Blink), h.Panel);
        h.Link("master", up: true);
        Assert.AreEqual("slave", h.Active, "the master must pass its probes first");
        h.Probes("master", true, 3);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void RestartingWhileTheMastersServiceIsDownKeepsItOut()
    {
        // Before the restart the firmware had taken the master out; the switch's group says so.
        var h = new Harness();
        h.Connect(group: ["slave"]);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
        h.Probes("master", true, 3);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void RestartingInManualModeKeepsTheSlaveActiveAndChangesNothing()
    {
        var h = new Harness(failback: "manual");
        h.Connect(group: ["slave", "master"]);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave", "master" }, h.Buckets, "same as the switch already has: nothing to program");
    }

    [TestMethod]
    public void FirstStartPresumesHealthUntilProbesSayOtherwise()
    {
        var h = new Harness();
        h.Connect();
        Assert.AreEqual("presumed healthy", h.Server("slave").LastDetail);
        h.Probes("slave", false, 3);
        CollectionAssert.AreEqual(new[] { "master" }, h.Buckets);
    }

    [TestMethod]
    public void AFlappingServerIsHeldDownLongerEachTime()
    {
        var h = new Harness(rise: 3);
        h.Connect();
        // First fall and recovery: no hold.
        h.Probes("master", false, 3);
        h.Probes("master", true, 3);
        Assert.AreEqual("master", h.Active);
        // Second fall within a minute: when it recovers it is held for 5 s.
        h.Advance(10 * Second);
        h.Probes("master", false, 3);
        h.Probes("master", true, 3);
        Assert.AreEqual("slave", h.Active);
        var held = h.Events.Last(e => e.Kind == EventKind.HeldDown);
        StringAssert.Contains(held.Message, "held out for 5 s");
        Assert.AreEqual(h.Now + 5 * Second, h.Last.WakeAt);
        Assert.AreEqual(ServerRole.Down, h.Role("master"));
        h.Advance(4.9 * Second).Tick();
        Assert.AreEqual("slave", h.Active);
        h.Advance(0.2 * Second).Tick();
        Assert.AreEqual("master", h.Active, "hold over: auto failback");
        Assert.IsTrue(h.Events.Any(e => e.Kind == EventKind.HoldDownEnded));
        // Third fall: 10 s.
        h.Probes("master", false, 3);
        h.Probes("master", true, 3);
        StringAssert.Contains(h.Events.Last(e => e.Kind == EventKind.HeldDown).Message, "held out for 10 s");
        // A quiet minute later the history is forgotten.
        h.Advance(70 * Second).Tick();
        Assert.AreEqual("master", h.Active);
        h.Probes("master", false, 3);
        h.Probes("master", true, 3);
        Assert.AreEqual("master", h.Active, "one down in the window is not flapping");
    }

    [TestMethod]
    public void HoldDownOffLetsAFlappingServerBackAtOnce()
    {
        var h = new Harness(probe: "link", holdDown: "off");
        h.Connect();
        for (var i = 0; i < 5; i++)
        {
            h.Link("master", false);
            Assert.AreEqual("slave", h.Active);
            h.Advance(Second);
            h.Link("master", true);
            Assert.AreEqual("master", h.Active, $"flap {i + 1}");
        }
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.HeldDown));
    }

    [TestMethod]
    public void AFlappingLinkIsHeldDownToo()
    {
        var h = new Harness(probe: "link");
        h.Connect();
        h.Link("master", false);
        h.Link("master", true);
        Assert.AreEqual("master", h.Active);
        h.Advance(Second);
        h.Link("master", false);
        h.Link("master", true);
        Assert.AreEqual("slave", h.Active, "second flap within the window: held");
    }

    [TestMethod]
    public void HoldingTheButtonMovesServiceAwayUntilAFailback()
    {
        var h = new Harness();
        h.Connect();
        var reply = h.Move().Reply!;
        Assert.IsTrue(reply.Accepted, reply.Message);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets, "a drained server takes no traffic, not even as a fallback");
        h.Probes("master", true, 10);
        Assert.AreEqual("slave", h.Active, "auto failback does not undo maintenance");
        Assert.AreEqual(LedPattern.Blink, h.Panel.Fault, "maintenance pending: not every server is in service");
        var back = h.Failback().Reply!;
        Assert.IsTrue(back.Accepted);
        Assert.AreEqual("master", h.Active);
        Assert.IsFalse(h.Server("master").Drained);
    }

    [TestMethod]
    public void MovingIsRefusedWhenNoOtherServerIsHealthy()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("slave", false, 3);
        var reply = h.Move().Reply!;
        Assert.IsFalse(reply.Accepted);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void MovingFromTheLastServerGoesBackUp()
    {
        var h = new Harness(servers: 3, failback: "manual");
        h.Connect();
        h.Move();
        h.Move();
        Assert.AreEqual("spare", h.Active);
        Assert.IsFalse(h.Move().Reply!.Accepted, "master and slave are both drained");
        h.Failback();
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void SwitchDisconnectBlinksTheFaultLedAndChangesNothing()
    {
        var h = new Harness();
        h.Connect();
        var decision = h.Send(t => new SwitchDisconnected(t));
        Assert.IsFalse(decision.DesiredChanged);
        Assert.AreEqual(LedPattern.Blink, h.Panel.Fault);
        Assert.AreEqual(LedPattern.On, h.Panel.Master);
    }

    [TestMethod]
    public void ReconnectingAfterASwitchRestartKeepsWhatProbesSaid()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", false, 3);
        h.Send(t => new SwitchDisconnected(t));
        // The restarted switch has no group at all; the firmware still knows the master is down.
        h.Connect(group: null);
        Assert.AreEqual("slave", h.Active);
        CollectionAssert.AreEqual(new[] { "slave" }, h.Buckets);
    }

    [TestMethod]
    public void UnknownServersAndRepeatedLinkEventsChangeNothing()
    {
        var h = new Harness();
        h.Connect();
        Assert.IsFalse(h.Send(t => new ProbeResult(t, "nobody", false)).DesiredChanged);
        Assert.IsFalse(h.Link("master", up: true).DesiredChanged);
        Assert.IsEmpty(h.Last.Events);
    }
}
