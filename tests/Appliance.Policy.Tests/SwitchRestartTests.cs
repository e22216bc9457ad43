namespace Appliance.Policy.Tests;

/// <summary>
/// A switch restart is not the servers' fault: probes cross the switch, so they fail while it is
/// away, and its ports vanish and come back while the servers' carriers stay up.
/// </summary>
[TestClass]
public sealed class SwitchRestartTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [TestMethod]
    public void ProbeFailuresWhileTheSwitchIsAwayDoNotCount()
    {
        var h = new Harness();
        h.Connect();
        h.Confirm();

        h.Disconnect();
        h.Probes("master", healthy: false, 10, "timeout");
        h.Probes("slave", healthy: false, 10, "timeout");

        Assert.AreEqual("master", h.Active);
        Assert.AreEqual(HealthState.Up, h.Server("master").Health);
        Assert.AreEqual(HealthState.Up, h.Server("slave").Health);
        Assert.IsFalse(h.Events.Any(e => e.Kind is EventKind.HealthDown or EventKind.Failover));
        StringAssert.Contains(h.Server("master").LastDetail, "not counted");
    }

    [TestMethod]
    public void GoodProbesStillCountWhileTheSwitchIsAway()
    {
        var h = new Harness();
        h.Connect();
        h.Probes("master", healthy: false, 3);
        Assert.AreEqual("slave", h.Active);

        h.Disconnect();
        h.Probes("master", healthy: true, 3);

        Assert.AreEqual(HealthState.Up, h.Server("master").Health);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void AfterAReconnectFailuresCountAgainOnceTheRulesAreConfirmedAndTheServerAnswered()
    {
        var h = new Harness();
        h.Connect();
        h.Disconnect();
        h.Connect(group: ["master", "slave"]);
        h.Probes("master", healthy: false, 5);
        Assert.AreEqual(HealthState.Up, h.Server("master").Health, "connected, but our rules are not confirmed yet");

        h.Confirm();
        h.Probes("master", healthy: false, 5);
        Assert.AreEqual(HealthState.Up, h.Server("master").Health, "no good probe since: the path may still be settling");

        h.Probes("master", healthy: true, 1);
        h.Probes("master", healthy: false, 3);
        Assert.AreEqual(HealthState.Down, h.Server("master").Health, "it answered once: from then on its failures are its own");
        Assert.AreEqual("slave", h.Active);
    }

    [TestMethod]
    public void TheGraceEndsAFewSecondsAfterTheRulesAreConfirmed()
    {
        var h = new Harness();
        h.Connect();
        h.Disconnect();
        h.Connect(group: ["master", "slave"]);
        h.Confirm();

        h.Advance(FailoverPolicy.SwitchSettle);
        h.Probes("master", healthy: false, 3);

        Assert.AreEqual(HealthState.Down, h.Server("master").Health, "a server that died with the switch is found out after the grace");
        Assert.AreEqual("slave", h.Active);
    }

    [TestMethod]
    public void AFirstStartHasNoGrace()
    {
        var h = new Harness();
        h.Connect();
        h.Confirm();
        h.Probes("master", healthy: false, 3);
        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
    }

    [TestMethod]
    public void FailuresJustBeforeTheDisconnectAreForgivenAndDoNotCountTowardsFlapping()
    {
        var h = new Harness(holdDown: "5s");
        h.Connect();
        h.Confirm();
        // The switch stopped forwarding a moment before its connection closed: the probes saw it first.
        h.Probes("master", healthy: false, 3, "timeout");
        h.Probes("slave", healthy: false, 2, "timeout");
        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
        h.Advance(0.5 * Second);

        h.Disconnect();

        Assert.AreEqual(0, h.Server("slave").FailureRun, "the run the switch explains is forgotten");
        Assert.IsEmpty(h.Server("master").Downs, "a down the switch explains is no flap");
        h.Connect(group: ["slave"]);
        h.Confirm();
        h.Probes("master", healthy: true, 3);
        h.Probes("slave", healthy: false, 2, "timeout");
        h.Probes("slave", healthy: true, 1);
        h.Probes("slave", healthy: false, 2, "timeout");
        Assert.AreEqual(HealthState.Up, h.Server("slave").Health, "two failures after a good probe are not three");

        // A genuine fall and recovery later is the master's first, so it is not held.
        h.Advance(FailoverPolicy.SwitchSettle);
        h.Probes("master", healthy: false, 3);
        h.Probes("master", healthy: true, 3);
        Assert.AreEqual("master", h.Active);
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.HeldDown));
    }

    [TestMethod]
    public void APortDownFromTheSwitchWhileTheCarrierStaysUpIsNotAServerFailure()
    {
        var h = new Harness();
        h.Connect();
        h.Carrier("master", up: true);

        h.Link("master", up: false);

        Assert.AreEqual("slave", h.Active, "the switch cannot send to the port: service moves");
        Assert.AreEqual(HealthState.Up, h.Server("master").Health);
        Assert.IsEmpty(h.Server("master").Downs);
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.HealthDown));
        StringAssert.Contains(h.Events.Last(e => e.Kind == EventKind.LinkDown).Message, "carrier is up");

        h.Link("master", up: true);

        Assert.AreEqual("master", h.Active, "back at once: its health was never in doubt");
    }

    [TestMethod]
    public void ACarrierLostAfterTheSwitchReportedThePortDownIsAServerFailure()
    {
        var h = new Harness();
        h.Connect();
        h.Carrier("master", up: true);
        h.Link("master", up: false);

        h.Carrier("master", up: false);

        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
        Assert.HasCount(1, h.Server("master").Downs);
        h.Carrier("master", up: true);
        h.Link("master", up: true);
        Assert.AreEqual("slave", h.Active, "a real link loss: back only after rise good probes");
        h.Probes("master", healthy: true, 3);
        Assert.AreEqual("master", h.Active);
    }

    [TestMethod]
    public void ACarrierLostFirstIsAServerFailureAndTheSwitchsReportAddsNothing()
    {
        var h = new Harness();
        h.Connect();
        h.Carrier("master", up: true);

        h.Carrier("master", up: false);
        h.Link("master", up: false);

        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
        Assert.HasCount(1, h.Server("master").Downs);
        Assert.AreEqual(1, h.Events.Count(e => e.Kind == EventKind.LinkDown));
    }

    [TestMethod]
    public void WithoutACarrierReportAPortDownIsAServerFailure()
    {
        var h = new Harness();
        h.Connect();
        h.Link("master", up: false);
        Assert.AreEqual(HealthState.Down, h.Server("master").Health);
    }

    [TestMethod]
    public void AReconnectedSwitchWhosePortIsNotLiveYetDoesNotMarkAServerWithCarrierDown()
    {
        var h = new Harness();
        h.Connect();
        h.Carrier("master", up: true);
        h.Carrier("slave", up: true);
        h.Disconnect();

        h.Connect(group: null, live: "slave");

        Assert.AreEqual(HealthState.Up, h.Server("master").Health);
        Assert.AreEqual(LinkState.Down, h.Server("master").Link);
        Assert.AreEqual("slave", h.Active);
        h.Link("master", up: true);
        Assert.AreEqual("master", h.Active);
        Assert.IsFalse(h.Events.Any(e => e.Kind == EventKind.HealthDown));
    }

    [TestMethod]
    public void ASwitchThatNeverConfirmsOurRulesDoesNotExcuseFailuresForever()
    {
        var h = new Harness();
        h.Connect();
        h.Disconnect();
        h.Connect(group: ["master", "slave"]);

        h.Advance(FailoverPolicy.SwitchSettle);
        h.Probes("master", healthy: false, 3);

        Assert.AreEqual(HealthState.Down, h.Server("master").Health, "the grace is bounded from the reconnection");
    }
}
