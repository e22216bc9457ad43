namespace Appliance.Controller.Tests;

/// <summary>The operator's intent survives a restart of the firmware through operator.json.</summary>
[TestClass]
public sealed class OperatorStateTests
{
    private string _directory = "";

    private string StateFile => Path.Combine(_directory, OperatorIntentStore.FileName);

    [TestInitialize]
    public void MakeDirectory() => _directory = Directory.CreateTempSubdirectory("appliance-state-").FullName;

    [TestCleanup]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private ControllerRig Rig(string failback = "auto") => new(failback: failback) { Intents = new OperatorIntentStore(StateFile) };

    [TestMethod]
    public async Task ADrainedServerStaysOutAfterARestartThatLostTheSwitchsRulesToo()
    {
        await using var rig = Rig();
        rig.Start();
        await rig.AdoptAsync();
        Assert.IsTrue((await rig.Controller.PressAsync(PressKind.Long, "test")).Accepted);
        await rig.FlushAsync();

        // The box rebooted: the firmware restarts and Open vSwitch comes up without our rules.
        await rig.RestartFirmwareAsync();
        rig.Switch.LoseTables();
        await rig.AdoptAsync();
        rig.Probes("master", healthy: true, 10);
        await rig.FlushAsync();

        Assert.AreEqual("slave", rig.Status.Active);
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts, "the master under maintenance gets no traffic");
        Assert.IsTrue(rig.Controller.Events.Snapshot().Any(e => e.Kind == EventKind.StateRestored && e.Message.Contains("master drained", StringComparison.Ordinal)));

        Assert.IsTrue((await rig.Controller.FailbackAsync("test")).Accepted);
        await rig.FlushAsync();
        await rig.StopAsync();
        var (intent, problem) = new OperatorIntentStore(StateFile).Load();
        Assert.IsNull(problem);
        Assert.IsTrue(intent.IsNone, "the failback ended the maintenance, on disk too");
    }

    [TestMethod]
    public async Task WithManualFailbackTheSameServerServesAfterARestart()
    {
        await using var rig = Rig(failback: "manual");
        rig.Start();
        await rig.AdoptAsync();
        rig.Probes("master", healthy: false, 3);
        rig.Probes("master", healthy: true, 3);
        await rig.FlushAsync();
        Assert.AreEqual("slave", rig.Status.Active);

        await rig.RestartFirmwareAsync();
        rig.Switch.LoseTables();
        await rig.AdoptAsync();

        Assert.AreEqual("slave", rig.Status.Active);
        CollectionAssert.AreEqual(new uint[] { 2, 1 }, rig.BucketPorts);
    }

    [TestMethod]
    public async Task ACorruptFileIsReportedAndReplacedAndNothingIsDrained()
    {
        File.WriteAllText(StateFile, "{\"version\": 1, \"drained\": [\"mas");
        await using var rig = Rig();
        rig.Start();
        await rig.AdoptAsync();

        Assert.AreEqual("master", rig.Status.Active);
        var reset = rig.Controller.Events.Snapshot().Single(e => e.Kind == EventKind.StateReset);
        StringAssert.Contains(reset.Message, StateFile);
        await rig.StopAsync();
        Assert.IsNull(new OperatorIntentStore(StateFile).Load().Problem, "written again, valid, at the first decision");
    }

    [TestMethod]
    public void TheFileIsSmallVersionedJsonAndReadsBackWhatWasSaved()
    {
        var store = new OperatorIntentStore(StateFile);
        var intent = new OperatorIntent(["master"], "slave");

        store.Save(intent);

        Assert.AreEqual("{\n  \"version\": 1,\n  \"drained\": [\n    \"master\"\n  ],\n  \"manual_hold\": \"slave\"\n}\n", File.ReadAllText(StateFile));
        Assert.AreEqual((intent, (string?)null), store.Load());
    }

    [TestMethod]
    [DataRow("", "is not valid")]
    [DataRow("null", "holds no state")]
    [DataRow("{\"version\": 2, \"drained\": []}", "has version 2")]
    [DataRow("{\"version\": 1, \"drained\": [\"Master\\u001b[2J\"]}", "not a server name")]
    [DataRow("{\"version\": 1, \"drained\": [null]}", "not a server name")]
    [DataRow("{\"version\": 1, \"manual_hold\": \"../../etc\"}", "not a server name")]
    [DataRow("{\"version\": 1, \"drained\": {}}", "is not valid")]
    public void AnUnusableFileGivesNothingAndSaysWhy(string content, string why)
    {
        File.WriteAllText(StateFile, content);
        var (intent, problem) = new OperatorIntentStore(StateFile).Load();
        Assert.AreEqual(OperatorIntent.None, intent);
        StringAssert.Contains(problem, why);
    }

    [TestMethod]
    public void AMissingOrOversizedFileGivesNothingAndSaysWhy()
    {
        var store = new OperatorIntentStore(StateFile);
        StringAssert.Contains(store.Load().Problem, "no file");
        File.WriteAllText(StateFile, new string(' ', OperatorIntentStore.MaxBytes + 1));
        StringAssert.Contains(store.Load().Problem, "larger than");
        Assert.AreEqual(OperatorIntent.None, store.Load().Intent);
    }
}
