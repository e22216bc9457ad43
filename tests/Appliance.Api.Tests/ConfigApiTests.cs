using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Config;
using Appliance.Policy;
using Appliance.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Api.Tests;

/// <summary><c>/api/config</c>: candidates (key edits, the reader's errors, the rule diff), the answers and their statuses, the refusals.</summary>
[TestClass]
public sealed class ConfigApiTests
{
    private const string Path = "/etc/appliance/appliance.yml";

    private const string Text = """
        # the box
        service:
          vip: 10.0.0.100
        servers:
          - { name: master, address: 10.0.0.1, port: 1 }
          - { name: slave, address: 10.0.0.2, port: 2 }   # spare
        health:
          interval: 20ms   # fast
        """;

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static ConfigChangeRequest Set(params (string Key, string Value)[] set) =>
        new(null, set.ToDictionary(s => s.Key, s => JsonSerializer.SerializeToElement(s.Value, ApiJson.Default.String)), null);

    [TestMethod]
    public void ACheckEditsTheCurrentTextAndListsTheRulesThatChange()
    {
        var control = new FakeConfig();
        var (status, document) = ConfigEndpoints.Check(control, Set(("servers.1.address", "10.0.0.3"), ("health.interval", "50ms")));

        Assert.AreEqual(200, status);
        Assert.IsTrue(document.Ok);
        Assert.IsEmpty(document.Errors);
        StringAssert.Contains(document.Text, "- { name: slave, address: 10.0.0.3, port: 2 }   # spare");
        StringAssert.Contains(document.Text, "interval: 50ms   # fast");
        CollectionAssert.AreEqual(new[] { "slave at 10.0.0.3", "probe every 50ms" }, document.Rules.Added.ToArray());
        CollectionAssert.AreEqual(new[] { "slave at 10.0.0.2", "probe every 20ms" }, document.Rules.Removed.ToArray());
        Assert.AreEqual(Text, control.Text, "a check writes nothing");
    }

    [TestMethod]
    public void AnInvalidCandidateHasTheReadersErrorsInParts()
    {
        var (status, document) = ConfigEndpoints.Check(new FakeConfig(), Set(("health.intervall", "50ms")));

        Assert.AreEqual(200, status, "a check answers; ok says whether it is valid");
        Assert.IsFalse(document.Ok);
        var error = document.Errors.Single();
        Assert.AreEqual(new ConfigProblemDocument("health.intervall", 9, 3, "unknown key \"intervall\"; did you mean \"interval\"?"), error);
        Assert.IsEmpty(document.Rules.Added);
    }

    [TestMethod]
    public void AWholeTextIsCheckedAsGiven()
    {
        var (_, document) = ConfigEndpoints.Check(new FakeConfig(), new ConfigChangeRequest(Text.Replace("20ms", "40ms", StringComparison.Ordinal), null, null));

        Assert.IsTrue(document.Ok);
        CollectionAssert.AreEqual(new[] { "probe every 40ms" }, document.Rules.Added.ToArray());
    }

    [TestMethod]
    public void AListItemIsOneValueWhateverItHolds()
    {
        // One recipient with a comma (refused), never two recipients; an item that looks like a list stays a string.
        var request = new ConfigChangeRequest(null, new() { ["api.hostnames"] = Json("""["box.example,evil.example", "[x, y]"]""") }, null);
        var (_, document) = ConfigEndpoints.Check(new FakeConfig(), request);

        StringAssert.Contains(document.Text, "hostnames: [\"box.example,evil.example\", \"[x, y]\"]");
        Assert.IsFalse(document.Ok);
        Assert.AreEqual(2, document.Errors.Count(e => e.Key.StartsWith("api.hostnames[", StringComparison.Ordinal)), string.Join("\n", document.Errors));
    }

    [TestMethod]
    public void ATokenFileWithoutAUsableTokenIsRefusedBeforeItLocksEveryoneOut()
    {
        var missing = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"no-token-{Guid.NewGuid():N}");
        var (_, document) = ConfigEndpoints.Check(new FakeConfig(), Set(("api.token_file", missing)));

        Assert.IsFalse(document.Ok);
        var error = document.Errors.Single();
        Assert.AreEqual("api.token_file", error.Key);
        StringAssert.Contains(error.Message, "holds no usable token (no such file)");
        Assert.IsFalse(File.Exists(missing), "nothing was made there");

        File.WriteAllText(missing, "0123456789abcdef0123456789abcdef\n");
        try
        {
            Assert.IsTrue(ConfigEndpoints.Check(new FakeConfig(), Set(("api.token_file", missing))).Document.Ok, "a file with a token is fine");
        }
        finally
        {
            File.Delete(missing);
        }
    }

    [TestMethod]
    public void ListsAndNumbersAreTakenAsValues()
    {
        var request = new ConfigChangeRequest(null, new() { ["health.fall"] = Json("5"), ["api.hostnames"] = Json("""["box.example", "b.example"]""") }, null);
        var (_, document) = ConfigEndpoints.Check(new FakeConfig(), request);

        Assert.IsTrue(document.Ok, string.Join("\n", document.Errors));
        StringAssert.Contains(document.Text, "fall: 5");
        StringAssert.Contains(document.Text, "hostnames: [box.example, b.example]");
    }

    [TestMethod]
    public void UnusableRequestsAreRefusedBeforeAnyEdit()
    {
        Assert.AreEqual(400, ConfigEndpoints.Check(new FakeConfig(), new ConfigChangeRequest(null, null, null)).Status);
        Assert.AreEqual(400, ConfigEndpoints.Check(new FakeConfig(), new ConfigChangeRequest("x: 1", null, ["health"])).Status);
        Assert.AreEqual(400, ConfigEndpoints.Check(new FakeConfig(), new ConfigChangeRequest(null, new() { ["a"] = Json("{}") }, null)).Status);
        var big = Text + "#" + new string('x', ConfigEdit.MaxTextBytes) + "\n";
        Assert.AreEqual(413, ConfigEndpoints.Check(new FakeConfig(), new ConfigChangeRequest(big, null, null)).Status);
    }

    [TestMethod]
    public void BodiesMustBeJsonAndSmall()
    {
        var json = Encoding.UTF8.GetBytes("""{"set": {"health.fall": "4"}}""");
        Assert.AreEqual(415, ConfigEndpoints.ReadBody(null, json, complete: true).Status);
        Assert.AreEqual(415, ConfigEndpoints.ReadBody("application/x-www-form-urlencoded", json, complete: true).Status, "what a form of another site posts");
        Assert.AreEqual(415, ConfigEndpoints.ReadBody("text/plain", json, complete: true).Status);
        Assert.AreEqual(413, ConfigEndpoints.ReadBody("application/json", json, complete: false).Status);
        Assert.AreEqual(400, ConfigEndpoints.ReadBody("application/json", "{"u8, complete: true).Status);
        Assert.AreEqual(400, ConfigEndpoints.ReadBody("application/json", "null"u8, complete: true).Status);
        var (request, status, _) = ConfigEndpoints.ReadBody("application/json; charset=utf-8", json, complete: true);
        Assert.AreEqual(200, status);
        Assert.AreEqual("4", request!.Set!["health.fall"].GetString());
    }

    [TestMethod]
    public async Task APutAnswersAsTheApplyWent()
    {
        var cases = new (ApplyResult Result, int Status)[]
        {
            (ApplyResult.Applied, 200), (ApplyResult.Moving, 202), (ApplyResult.Busy, 409), (ApplyResult.RolledBack, 502), (ApplyResult.Failed, 500),
        };
        foreach (var (result, expected) in cases)
        {
            var control = new FakeConfig { Outcome = result };
            var (status, document, after) = await ConfigEndpoints.PutAsync(control, Set(("health.interval", "30ms")));
            Assert.AreEqual(expected, status, result.ToString());
            Assert.AreEqual(result == ApplyResult.Applied, document.Applied, result.ToString());
            Assert.AreEqual(result is ApplyResult.Applied or ApplyResult.Moving, document.Ok, result.ToString());
            Assert.AreEqual(result switch { ApplyResult.RolledBack => true, ApplyResult.Failed => false, _ => (bool?)null }, document.RolledBack, result.ToString());
            Assert.AreEqual(result == ApplyResult.Moving, after is not null, result.ToString());
            if (result == ApplyResult.Applied) CollectionAssert.AreEqual(new[] { "health.interval" }, document.Changed!.ToArray());
        }
    }

    [TestMethod]
    public async Task AnInvalidPutIs422AndNothingIsApplied()
    {
        var control = new FakeConfig();
        var (status, document, _) = await ConfigEndpoints.PutAsync(control, Set(("health.interval", "fast")));

        Assert.AreEqual(422, status);
        Assert.IsFalse(document.Ok);
        Assert.AreEqual("health.interval", document.Errors.Single().Key);
        Assert.AreEqual(0, control.Applied);
    }

    [TestMethod]
    public void GetListsTheServersAndTheOtherKeys()
    {
        var (status, document, _) = ConfigEndpoints.Get(new FakeConfig());

        Assert.AreEqual(200, status);
        Assert.AreEqual(Path, document!.Path);
        Assert.AreEqual(Text, document.Text);
        Assert.AreEqual("10.0.0.2", document.Values["servers"]![1]!["address"]!.GetValue<string>());
        Assert.AreEqual(2u, document.Values["servers"]![1]!["port"]!.GetValue<uint>());
        Assert.AreEqual("20ms", document.Values["health.interval"]!.GetValue<string>());
        Assert.IsFalse(document.Values.ContainsKey("servers.0.name"));
    }

    [TestMethod]
    public void TheApplyEventsHaveTheirNames()
    {
        Assert.AreEqual("config_applied", EventNames.Of(EventKind.ConfigApplied));
        Assert.AreEqual("config_rolled_back", EventNames.Of(EventKind.ConfigRolledBack));
        Assert.IsTrue(EventNames.TryParse("config_rolled_back", out var kind));
        Assert.AreEqual(EventKind.ConfigRolledBack, kind);
    }

    [TestMethod]
    public void TheRuleDiffCountsRepeatedLines()
    {
        var diff = RuleDiff.Between(["a", "b", "b", "c"], ["b", "c", "c", "d"]);
        CollectionAssert.AreEqual(new[] { "c", "d" }, diff.Added.ToArray());
        CollectionAssert.AreEqual(new[] { "a", "b" }, diff.Removed.ToArray());
    }

    [TestMethod]
    public async Task OverHttpEveryRouteWantsTheTokenInTheHeader()
    {
        var folder = Directory.CreateTempSubdirectory("config-api-");
        try
        {
            var token = ApiToken.LoadOrCreate(System.IO.Path.Combine(folder.FullName, "api.token"), out _);
            var secret = ApiToken.Read(System.IO.Path.Combine(folder.FullName, "api.token"), out _)!;
            var control = new FakeConfig();
            var port = FreePort();
            await using var api = ApiServer.Create(new IPEndPoint(IPAddress.Loopback, port), new StandInControl(), token,
                new HostFilter([IPAddress.Loopback], []), NullLoggerFactory.Instance, config: control);
            await api.StartAsync(CancellationToken.None);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var body = """{"set": {"health.interval": "30ms"}}""";

            Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.GetAsync("api/config")).StatusCode, "GET too");
            using (var withCookie = new HttpRequestMessage(HttpMethod.Put, "api/config") { Content = new StringContent(body, Encoding.UTF8, "application/json") })
            {
                withCookie.Headers.Add("Cookie", $"token={secret}");
                Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.SendAsync(withCookie)).StatusCode, "a cookie is not the token");
            }
            Assert.AreEqual(0, control.Applied);

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using (var got = JsonDocument.Parse(await http.GetStringAsync("api/config")))
            {
                Assert.AreEqual(Text, got.RootElement.GetProperty("text").GetString());
            }
            Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, (await http.PutAsync("api/config", new StringContent("text=x", Encoding.UTF8, "application/x-www-form-urlencoded"))).StatusCode);
            using (var check = await http.PostAsync("api/config/check", new StringContent(body, Encoding.UTF8, "application/json")))
            {
                using var answer = JsonDocument.Parse(await check.Content.ReadAsStringAsync());
                Assert.AreEqual(HttpStatusCode.OK, check.StatusCode);
                Assert.AreEqual("probe every 30ms", answer.RootElement.GetProperty("rules").GetProperty("added")[0].GetString());
            }
            using (var put = await http.PutAsync("api/config", new StringContent(body, Encoding.UTF8, "application/json")))
            {
                using var answer = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
                Assert.AreEqual(HttpStatusCode.OK, put.StatusCode, answer.RootElement.ToString());
                Assert.IsTrue(answer.RootElement.GetProperty("applied").GetBoolean());
                Assert.IsFalse(answer.RootElement.TryGetProperty("rolled_back", out _), "absent when it does not apply");
            }
            Assert.AreEqual(1, control.Applied);
            var huge = new StringContent(new string(' ', ConfigEndpoints.MaxBodyBytes + 10), Encoding.UTF8, "application/json");
            Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, (await http.PutAsync("api/config", huge)).StatusCode);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The file in memory; its rules are a line per server and one for the probe interval.</summary>
    private sealed class FakeConfig : IConfigControl
    {
        public string Text { get; set; } = ConfigApiTests.Text;

        public ApplyResult Outcome { get; init; } = ApplyResult.Applied;

        public int Applied { get; private set; }

        public string Path => ConfigApiTests.Path;

        public ApplianceConfig Running => ConfigLoader.Parse(Text, Path);

        public string ReadText() => Text;

        public IReadOnlyList<string> Rules(ApplianceConfig config) =>
            [.. config.Servers.Select(s => $"{s.Name} at {s.Address}"), $"probe every {ConfigDuration.Format(config.Health.Interval)}"];

        public Task<ApplyOutcome> ApplyAsync(Func<ConfigCandidate> prepare)
        {
            if (Outcome == ApplyResult.Busy) return Task.FromResult(new ApplyOutcome(ApplyResult.Busy, "busy", null));
            var candidate = prepare();
            if (candidate.Config is null) return Task.FromResult(new ApplyOutcome(ApplyResult.Invalid, "invalid", candidate));
            Applied++;
            Text = candidate.Text;
            return Task.FromResult(new ApplyOutcome(Outcome, Outcome.ToString(), candidate, Outcome == ApplyResult.Moving ? () => { } : null));
        }
    }
}
