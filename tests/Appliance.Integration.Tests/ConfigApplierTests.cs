using Appliance.Api;
using Appliance.Cli;
using Appliance.Config;

namespace Appliance.Integration.Tests;

/// <summary>
/// The firmware's side of <c>PUT /api/config</c> without a lab: the file written with the one before kept as
/// PATH.previous and its mode kept, one apply at a time, nothing written for an invalid candidate. The run loop is
/// played by the test: it takes the request and says how it went.
/// </summary>
[TestClass]
public sealed class ConfigApplierTests
{
    private const string Text = """
        # the box
        service:
          vip: 10.0.0.100
        servers:
          - { name: master, address: 10.0.0.1, port: 1 }
          - { name: slave, address: 10.0.0.2, port: 2 }
        """;

    [TestMethod]
    public async Task TheFileIsReplacedAndTheOneBeforeKept()
    {
        var folder = Directory.CreateTempSubdirectory("applier-");
        try
        {
            var path = Path.Combine(folder.FullName, "appliance.yml");
            File.WriteAllText(path, Text);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            var applier = new ConfigApplier(ConfigLoader.Load(path));
            ConfigCandidate Prepare() => ConfigCandidate.Prepare(new ConfigChangeRequest(null, new() { ["health.fall"] = System.Text.Json.JsonDocument.Parse("5").RootElement }, null),
                applier.ReadText(), applier.Path, applier.Running, _ => []);

            var applying = applier.ApplyAsync(Prepare);
            var request = await applier.Requests.ReadAsync();
            // While the run loop switches, a second apply is refused.
            Assert.AreEqual(ApplyResult.Busy, (await applier.ApplyAsync(Prepare)).Result);
            Assert.AreEqual(5, request.Config.Health.Fall);
            Assert.AreEqual(Text, request.PreviousText);
            StringAssert.EndsWith(File.ReadAllText(path), "health:\n  fall: 5\n");
            Assert.AreEqual(Text, File.ReadAllText(path + ".previous"));
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path), "the mode is kept");
            Assert.IsEmpty(Directory.GetFiles(folder.FullName, "*.tmp"), "no temporary file left");
            request.Done.SetResult(new ApplyOutcome(ApplyResult.Applied, "applied", request.Candidate));
            Assert.AreEqual(ApplyResult.Applied, (await applying).Result);

            // Free again; an invalid candidate writes nothing.
            var written = File.ReadAllText(path);
            var invalid = await applier.ApplyAsync(() => ConfigCandidate.Prepare(new ConfigChangeRequest("service: {}\n", null, null), applier.ReadText(), applier.Path, applier.Running, _ => []));
            Assert.AreEqual(ApplyResult.Invalid, invalid.Result);
            Assert.AreEqual(written, File.ReadAllText(path));
            Assert.AreEqual(Text, File.ReadAllText(path + ".previous"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [TestMethod]
    public async Task AChangeThatMovesTheApiIsAnsweredFirst()
    {
        var folder = Directory.CreateTempSubdirectory("applier-");
        try
        {
            var path = Path.Combine(folder.FullName, "appliance.yml");
            File.WriteAllText(path, Text);
            var applier = new ConfigApplier(ConfigLoader.Load(path));
            var outcome = await applier.ApplyAsync(() => ConfigCandidate.Prepare(
                new ConfigChangeRequest(null, new() { ["api.listen"] = System.Text.Json.JsonDocument.Parse("\"10.0.0.6:8080\"").RootElement }, null),
                applier.ReadText(), applier.Path, applier.Running, _ => []));

            Assert.AreEqual(ApplyResult.Moving, outcome.Result);
            Assert.IsFalse(applier.Requests.TryRead(out _), "the switch waits for the answer");
            Assert.AreEqual(ApplyResult.Busy, (await applier.ApplyAsync(() => throw new InvalidOperationException("not asked"))).Result);
            outcome.AfterAnswer!();
            Assert.IsTrue(applier.Requests.TryRead(out var request));
            request.Done.SetResult(new ApplyOutcome(ApplyResult.Applied, "applied", request.Candidate));
            // The gate is released by a continuation of the outcome: wait for it, not for a time.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            ApplyOutcome next;
            do
            {
                await Task.Yield();
                next = await applier.ApplyAsync(() => ConfigCandidate.Prepare(new ConfigChangeRequest("x", null, null), applier.ReadText(), applier.Path, applier.Running, _ => []));
            }
            while (next.Result == ApplyResult.Busy && DateTime.UtcNow < deadline);
            Assert.AreEqual(ApplyResult.Invalid, next.Result, "free again once the switch is done");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
