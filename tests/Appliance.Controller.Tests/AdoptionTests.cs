namespace Appliance.Controller.Tests;

/// <summary>How the controller takes a switch over: first start, firmware restart, reconnect, lost tables.</summary>
[TestClass]
public sealed class AdoptionTests
{
    private static Task<MacAddress?> NeverAnswers(ServerConfig server, CancellationToken cancellation) =>
        new TaskCompletionSource<MacAddress?>().Task.WaitAsync(cancellation);

    private static Task<MacAddress?> AnswersAtOnce(ServerConfig server, CancellationToken cancellation) =>
        Task.FromResult<MacAddress?>(ControllerRig.BothMacs[server.Name]);

    [TestMethod]
    public async Task FirstAdoptionOfAnEmptySwitchInstallsExactlyTheRuleSetWithTheMasterActive()
    {
        await using var rig = new ControllerRig();
        rig.Start();

        var channel = await rig.AdoptAsync();

        var expected = rig.Expected(ControllerRig.BothMacs, "master", "slave");
        rig.AssertSwitchHolds(expected);
        var batch = rig.Switch.Batches.Single();
        Assert.AreEqual(channel.Id, batch.Channel);
        Assert.AreEqual(expected.Meters.Count + expected.Flows.Count + expected.Groups.Count, batch.Messages.Count, "one message per rule, nothing else");
        Assert.AreEqual("master", rig.Status.Active);
        CollectionAssert.AreEqual(new[] { "master", "slave" }, rig.Status.Buckets.ToArray());
        Assert.IsTrue(rig.Status.SwitchConnected);
        Assert.AreEqual("00005e0053000001", rig.Status.DatapathId);
        Assert.IsTrue(rig.Controller.SwitchProgrammed.IsCompleted);
        Assert.IsTrue(rig.Controller.ServersReachable.IsCompleted, "every MAC is configured");
    }

    [TestMethod]
    [DataRow("nat", false)]
    [DataRow("nat", true)]
    [DataRow("dsr", false)]
    [DataRow("dsr", true)]
    public async Task AFirmwareRestartChangesNothing(string mode, bool failedOver)
    {
        await using var rig = new ControllerRig(mode, configuredMacs: []);
        rig.Start(AnswersAtOnce);
        await rig.AdoptAsync();
        if (failedOver)
        {
            rig.Probes("master", healthy: false, 3);
            await rig.FlushAsync();
        }
        var before = rig.Status;
        var flows = rig.Switch.Flows;
        var groups = rig.Switch.Groups;

        // The new firmware's ARP gets no answer yet: what it knows of the servers' MACs, it reads from the rules.
        await rig.RestartFirmwareAsync(NeverAnswers);
        var channel = await rig.AdoptAsync();

        Assert.IsEmpty(rig.BatchesOn(channel), "nothing is sent to a switch that already holds the rules");
        Assert.AreEqual(failedOver ? "slave" : "master", rig.Status.Active);
        CollectionAssert.AreEqual(before.Buckets.ToArray(), rig.Status.Buckets.ToArray());
        // The guard binds every known MAC to its port, in both modes, whether or not the server is in the group.
        foreach (var server in new[] { "master", "slave" }) Assert.AreEqual(ControllerRig.BothMacs[server].ToString(), rig.Server(server).Mac, server);
        CollectionAssert.AreEquivalent(flows.ToArray(), rig.Switch.Flows.ToArray());
        CollectionAssert.AreEqual(groups.ToArray(), rig.Switch.Groups.ToArray());
    }

    [TestMethod]
    public async Task AReconnectingSwitchThatKeptItsRulesGetsNothingAndOneThatLostThemGetsEverything()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        var first = await rig.AdoptAsync();

        first.Close("connection closed by the switch");
        await rig.FlushAsync();
        Assert.IsFalse(rig.Status.SwitchConnected);
        Assert.IsTrue(rig.Controller.Events.Snapshot().Any(e => e.Kind == EventKind.SwitchDisconnected));

        var second = await rig.AdoptAsync();
        Assert.IsEmpty(rig.BatchesOn(second));
        Assert.IsTrue(rig.Status.SwitchConnected);
        Assert.AreEqual("master", rig.Status.Active);

        second.Close("connection closed by the switch");
        rig.Switch.LoseTables();
        var third = await rig.AdoptAsync();

        var expected = rig.Expected(ControllerRig.BothMacs, "master", "slave");
        Assert.AreEqual(expected.Meters.Count + expected.Flows.Count + expected.Groups.Count, rig.BatchesOn(third).Single().Messages.Count);
        rig.AssertSwitchHolds(expected);
    }

    [TestMethod]
    public async Task TheCarrierWatchLearnsWhichInterfaceIsWhichServerAndItsReportsFailOver()
    {
        await using var rig = new ControllerRig();
        var carrier = new RecordingCarrierWatch();
        rig.Start(carrier: carrier);

        await rig.AdoptAsync();

        CollectionAssert.AreEquivalent(new Dictionary<string, string> { ["p1"] = "master", ["p2"] = "slave" }, carrier.Watched.Single().ToDictionary());
        rig.Controller.ReportCarrier("master", up: false, rig.Controller.Now);
        await rig.FlushAsync();
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts, "the kernel's word is enough to fail over");
        await rig.StopAsync();
        Assert.IsTrue(carrier.Disposed);
    }

    private sealed class RecordingCarrierWatch : ICarrierWatch
    {
        public List<IReadOnlyDictionary<string, string>> Watched { get; } = [];

        public bool Disposed { get; private set; }

        public Task WatchAsync(IReadOnlyDictionary<string, string> servers)
        {
            Watched.Add(servers);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
