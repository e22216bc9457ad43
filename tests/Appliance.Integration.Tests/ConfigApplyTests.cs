using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>
/// Configuring the running firmware through the API and the CLI (issue 15): a change is written atomically (the file
/// before it kept as PATH.previous), the firmware's pieces restart with it in the same process while the switch keeps
/// forwarding, and a change the switch never gets programmed with is rolled back by itself.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class ConfigApplyTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>
    /// OVS 3.1 retries a controller that was connected for more than 8 s after about 1 s, one connected for less
    /// after up to 8 s (ovs-config/setup-bridge): the firmware is given the longer connection before an apply.
    /// </summary>
    private static readonly TimeSpan LongConnected = TimeSpan.FromSeconds(9);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ChangingTheHealthIntervalThroughTheApiLosesNoDatagram()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http", "interval=20ms");
        var original = File.ReadAllText(path);
        using var firmware = Firmware.StartOn(lab, path);
        lab.WaitServing("master", Settle);
        await Task.Delay(LongConnected);

        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(8), rate: 1000);
        await Task.Delay(2000);
        using var http = Api(lab);
        var started = DateTime.UtcNow;
        using var answer = await PutAsync(http, """{"set": {"health.interval": "50ms"}}""");
        var took = DateTime.UtcNow - started;
        var body = await answer.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode, body + "\n" + firmware.LogTail(30));
        var document = JsonDocument.Parse(body).RootElement;
        Assert.IsTrue(document.GetProperty("applied").GetBoolean(), body);
        Assert.AreEqual("health.interval", document.GetProperty("changed")[0].GetString(), body);
        var result = await stream.ResultAsync();
        TestContext.WriteLine($"apply answered after {took.TotalMilliseconds:0} ms; stream: {result}");
        Assert.AreEqual(0, result.GetProperty("lost").GetInt32(), result.ToString());
        Assert.IsGreaterThan(5000, result.GetProperty("sent").GetInt32(), result.ToString());

        var now = File.ReadAllText(path);
        Assert.AreEqual(original.Replace("interval: 20ms", "interval: 50ms", StringComparison.Ordinal), now, "only the value changed");
        Assert.AreEqual(original, File.ReadAllText(path + ".previous"), "the file before it is kept");
        Assert.IsTrue(firmware.Events().Any(e => e.Kind == "config_applied" && e.Message.Contains("health.interval", StringComparison.Ordinal)));
        Assert.IsFalse(firmware.HasExited);
        lab.WaitServing("master", Settle);
    }

    [TestMethod]
    public async Task ChangesThroughTheApiAndTheCli()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http");
        using var firmware = Firmware.StartOn(lab, path);
        lab.WaitServing("master", Settle);
        using var http = Api(lab);

        // Every configuration route wants the token, GET too; bodies must be JSON.
        using (var anonymous = new HttpClient { BaseAddress = new Uri($"http://{lab.Plan.Api}") })
        {
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/config")).StatusCode);
            Assert.AreEqual(HttpStatusCode.Unauthorized, (await anonymous.PutAsync("/api/config", Json("""{"text": ""}"""))).StatusCode);
        }
        using (var form = await http.PutAsync("/api/config", new StringContent("text=x", Encoding.UTF8, "application/x-www-form-urlencoded")))
        {
            Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        }
        var got = JsonDocument.Parse(await http.GetStringAsync("/api/config")).RootElement;
        Assert.AreEqual(File.ReadAllText(path), got.GetProperty("text").GetString());
        Assert.AreEqual(lab.AddressOf("slave"), got.GetProperty("values").GetProperty("servers")[1].GetProperty("address").GetString());

        // (c) An invalid change: 422 with key, line and the reader's message; the file is not touched.
        var before = File.ReadAllBytes(path);
        using (var invalid = await PutAsync(http, """{"set": {"health.interval": "fast", "health.intervall": "5ms"}}"""))
        {
            var body = await invalid.Content.ReadAsStringAsync();
            Assert.AreEqual((HttpStatusCode)422, invalid.StatusCode, body);
            var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
            var line = Array.FindIndex(File.ReadAllLines(path), l => l.StartsWith("health:", StringComparison.Ordinal)) + 1;
            Assert.AreEqual("health.interval", errors[0].GetProperty("key").GetString(), body);
            Assert.AreEqual(line, errors[0].GetProperty("line").GetInt32(), body);
            StringAssert.Contains(errors[0].GetProperty("message").GetString(), "a duration such as 20ms or 1.5s", body);
            Assert.AreEqual("unknown key \"intervall\"; did you mean \"interval\"?", errors[1].GetProperty("message").GetString(), body);
        }
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "an invalid change leaves the file as it was");
        Assert.IsFalse(File.Exists(path + ".previous"));

        // (b) A server's new address is in the switch's rules.
        await Task.Delay(LongConnected);
        var moved = lab.Plan.Net + ".20";
        var check = JsonDocument.Parse(await (await http.PostAsync("/api/config/check", Json($$$"""{"set": {"servers.1.address": "{{{moved}}}"}}"""))).Content.ReadAsStringAsync()).RootElement;
        Assert.IsTrue(check.GetProperty("ok").GetBoolean(), check.ToString());
        Assert.IsTrue(check.GetProperty("rules").GetProperty("added").EnumerateArray().Any(r => r.GetString()!.Contains(moved, StringComparison.Ordinal)), check.ToString());
        Assert.IsTrue(check.GetProperty("rules").GetProperty("removed").EnumerateArray().Any(r => r.GetString()!.Contains(lab.AddressOf("slave"), StringComparison.Ordinal)), check.ToString());
        Assert.DoesNotContain(moved, DumpFlows(lab), "a check changes nothing");
        using (var put = await PutAsync(http, $$$"""{"set": {"servers.1.address": "{{{moved}}}"}}"""))
        {
            Assert.AreEqual(HttpStatusCode.OK, put.StatusCode, await put.Content.ReadAsStringAsync() + "\n" + firmware.LogTail(30));
        }
        StringAssert.Contains(DumpFlows(lab), moved);
        lab.WaitServing("master", Settle);

        // (e) The CLI: get, set, apply --dry-run, and an invalid set printed as check prints it.
        await Task.Delay(LongConnected);
        var get = Firmware.Run("config", "--config", path, "get", "servers.1.address");
        Assert.AreEqual(0, get.ExitCode, get.ToString());
        Assert.AreEqual(moved, get.Output.Trim());
        var set = Firmware.Run("config", "--config", path, "set", "health.fall=4", "failback=manual");
        Assert.AreEqual(0, set.ExitCode, set + "\n" + firmware.LogTail(30));
        StringAssert.Contains(set.Output, "configuration applied");
        Assert.AreEqual("4", Firmware.Run("config", "--config", path, "get", "health.fall").Output.Trim());
        StringAssert.Contains(File.ReadAllText(path), "fall: 4");
        var bad = Firmware.Run("config", "--config", path, "set", "health.fall=many");
        Assert.AreEqual(2, bad.ExitCode, bad.ToString());
        StringAssert.Contains(bad.Error, $"{path}:");
        StringAssert.Contains(bad.Error, ": health.fall: expected an integer");
        var candidate = Path.Combine(lab.StateFolder, "candidate.yml");
        File.WriteAllText(candidate, File.ReadAllText(path).Replace(moved, lab.AddressOf("slave"), StringComparison.Ordinal));
        var dry = Firmware.Run("config", "--config", path, "apply", candidate, "--dry-run");
        Assert.AreEqual(0, dry.ExitCode, dry.ToString());
        StringAssert.Contains(dry.Output, "nothing applied (--dry-run)");
        StringAssert.Contains(dry.Output, "+ ");
        StringAssert.Contains(dry.Output, lab.AddressOf("slave"));
        StringAssert.Contains(DumpFlows(lab), moved, "a dry run changes nothing");
        Assert.IsFalse(firmware.HasExited);

        // The API moves: the answer comes first, from the old address; the new one then tells the outcome.
        await Task.Delay(LongConnected);
        var newApi = $"{lab.Management}:8081";
        using (var move = await PutAsync(http, $$$"""{"set": {"api.listen": "{{{newApi}}}"}}"""))
        {
            var body = await move.Content.ReadAsStringAsync();
            Assert.AreEqual(HttpStatusCode.Accepted, move.StatusCode, body);
            Assert.IsFalse(JsonDocument.Parse(body).RootElement.GetProperty("applied").GetBoolean(), body);
        }
        using var there = new HttpClient { BaseAddress = new Uri($"http://{newApi}"), Timeout = TimeSpan.FromSeconds(2) };
        WaitUntil(() => there.GetStringAsync("/api/events").GetAwaiter().GetResult().Contains("\"kind\":\"config_applied\",\"server\":null,\"message\":\"configuration applied (api.listen changed)", StringComparison.Ordinal),
            Settle, "config_applied on the new address\n" + firmware.LogTail(20));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/api/status"), "nothing on the old address");
    }

    [TestMethod]
    public async Task AChangeTheSwitchIsNeverProgrammedWithRollsBackByItself()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http");
        var original = File.ReadAllText(path);
        using var firmware = Firmware.StartOn(lab, path);
        lab.WaitServing("master", Settle);
        await Task.Delay(LongConnected);
        var flows = Rules(DumpFlows(lab));

        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(8), rate: 1000);
        await Task.Delay(1000);
        using var http = Api(lab);
        using var answer = await PutAsync(http, """{"set": {"bridge.name": "it-nobridge"}}""");
        var body = await answer.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.BadGateway, answer.StatusCode, body + "\n" + firmware.LogTail(30));
        var document = JsonDocument.Parse(body).RootElement;
        Assert.IsTrue(document.GetProperty("rolled_back").GetBoolean(), body);
        Assert.IsFalse(document.GetProperty("ok").GetBoolean(), body);
        StringAssert.Contains(document.GetProperty("message").GetString(), "it-nobridge", body);

        Assert.AreEqual(original, File.ReadAllText(path), "the previous file is back");
        Assert.IsTrue(firmware.Events().Any(e => e.Kind == "config_rolled_back"), string.Join("\n", firmware.Events()));
        var result = await stream.ResultAsync();
        TestContext.WriteLine($"stream across the rollback: {result}");
        Assert.AreEqual(0, result.GetProperty("lost").GetInt32(), "the old rules served throughout: " + result);
        firmware.WaitForEvent("configuration rolled back", Settle);
        // The previous configuration runs again and holds the switch: its rules are the same.
        WaitUntil(() => firmware.Status().GetProperty("switch").GetProperty("connected").GetBoolean(), Settle, "the switch reconnected");
        CollectionAssert.AreEquivalent(flows, Rules(DumpFlows(lab)));
        lab.WaitServing("master", Settle);
        Assert.IsFalse(firmware.HasExited);
    }

    [TestMethod]
    public async Task StoppingWhileAnApplyWaitsForTheSwitchNeitherRollsBackNorFails()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http");
        using var firmware = Firmware.StartOn(lab, path);
        lab.WaitServing("master", Settle);
        using var http = Api(lab);
        // A channel the bridge is not told about: the new configuration starts, and waits 10 s for a switch.
        var elsewhere = $"unix:/var/run/openvswitch/appliance-{lab.Name}-elsewhere.sock";
        var put = PutAsync(http, "{\"set\": {\"openflow.listen\": \"" + elsewhere + "\"}}");
        firmware.WaitForOutput("applying ", Settle);
        await Task.Delay(1500);

        // systemctl stop while the new configuration waits for a switch that never comes.
        Assert.AreEqual(0, firmware.Terminate(), firmware.LogTail(30));
        using var answer = await put;
        var body = await answer.Content.ReadAsStringAsync();
        StringAssert.Contains(body, "stopping", body);
        Assert.DoesNotContain("rolling back", firmware.Log, "a stop is no refusal: " + firmware.LogTail(30));
        Assert.DoesNotContain("configuration rolled back", firmware.Log);
        StringAssert.Contains(File.ReadAllText(path), elsewhere, "the file written stays: it is read at the next start");
    }

    [TestMethod]
    public async Task AChannelNoSwitchConnectsToIsRolledBackAfterTenSeconds()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http");
        var original = File.ReadAllText(path);
        using var firmware = Firmware.StartOn(lab, path);
        lab.WaitServing("master", Settle);
        await Task.Delay(LongConnected);

        // A valid channel the bridge is not told about: the firmware listens there, and nobody comes.
        var elsewhere = $"unix:/var/run/openvswitch/appliance-{lab.Name}-elsewhere.sock";
        using var http = Api(lab);
        var started = DateTime.UtcNow;
        using var answer = await PutAsync(http, $$$"""{"set": {"openflow.listen": "{{{elsewhere}}}"}}""");
        var took = DateTime.UtcNow - started;
        var body = await answer.Content.ReadAsStringAsync();
        TestContext.WriteLine($"rolled back after {took.TotalMilliseconds:0} ms: {body}");
        Assert.AreEqual(HttpStatusCode.BadGateway, answer.StatusCode, body + "\n" + firmware.LogTail(30));
        StringAssert.Contains(JsonDocument.Parse(body).RootElement.GetProperty("message").GetString(), "no switch connected within 10 s", body);
        Assert.IsGreaterThanOrEqualTo(10_000, took.TotalMilliseconds, "the new configuration had its 10 s");
        Assert.AreEqual(original, File.ReadAllText(path));
        Assert.IsFalse(File.Exists(elsewhere["unix:".Length..]), "the other channel's socket is gone");
        // The switch comes back to the previous channel by itself (OVS's own retry, up to 8 s).
        WaitUntil(() => firmware.Status().GetProperty("switch").GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(20), "the switch back on the previous channel");
        lab.WaitServing("master", Settle);
    }

    private static HttpClient Api(Lab lab)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{lab.Plan.Api}"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(lab.TokenFile).Trim());
        return http;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> PutAsync(HttpClient http, string json) => http.PutAsync("/api/config", Json(json));

    private static string DumpFlows(Lab lab) => Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", lab.Bridge);

    /// <summary>The rules without their counters and ages.</summary>
    private static string[] Rules(string dump) =>
        [.. dump.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("cookie=", StringComparison.Ordinal))
            .Select(l => string.Join(", ", l.Split(", ").Where(p => !p.StartsWith("duration=", StringComparison.Ordinal) && !p.StartsWith("n_packets=", StringComparison.Ordinal)
                && !p.StartsWith("n_bytes=", StringComparison.Ordinal) && !p.StartsWith("idle_age=", StringComparison.Ordinal) && !p.StartsWith("hard_age=", StringComparison.Ordinal))).Trim())];

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (condition()) return;
            }
            catch (HttpRequestException)
            {
            }
            Thread.Sleep(100);
        }
        Assert.Fail($"not within {timeout.TotalSeconds} s: {what}");
    }
}
