using System.Net;
using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>
/// A server that fails while its link stays up (issue: health probes, policy and API): the firmware's
/// probes see it, the policy takes it out, and the API tells the truth about it.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class HealthAndApiTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(2);

    [TestMethod]
    [DataRow("kill")]
    [DataRow("freeze")]
    [DataRow("blackhole")]
    public void AServerThatFailsWithItsLinkUpIsTakenOut(string fault)
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http"));
        lab.WaitServing("master", Settle);
        lab.Fault(fault, "master");
        // A request already on its way to a frozen or black-holed master waits out curl's 1 s timeout.
        lab.WaitServing("slave", Settle);
        firmware.WaitForEvent("failover from master to slave", Settle);
        var undo = fault switch { "kill" => "restart", "freeze" => "thaw", _ => "unblackhole" };
        lab.Fault(undo, "master");
        lab.WaitServing("master", Settle);
    }

    [TestMethod]
    public void InAutoModeTheMasterReturnsOnlyAfterRiseProbes()
    {
        using var lab = Host.NewLab();
        // Slow probes make "only after rise" visible: 3 good probes 300 ms apart take at least 600 ms.
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http", "interval=300ms", "timeout=200ms", "rise=3", "fall=1", "hold=off"));
        lab.WaitServing("master", Settle);
        lab.Fault("kill", "master");
        lab.WaitServing("slave", Quick);
        var killed = DateTimeOffset.UtcNow;
        lab.Fault("restart", "master");
        lab.WaitServing("master", Settle);
        firmware.WaitForEvent("master healthy: 3 good probes", Settle);
        // Timed by the witnesses themselves, not by this test on a busy machine (tools/lab restart
        // returns some time after nginx answers): nginx logs the first probe it answered, the
        // firmware its failback.
        var firstGood = FirstProbeAnswered(lab, "master", after: killed);
        var failback = firmware.Status().GetProperty("events").EnumerateArray()
            .First(e => e.GetProperty("message").GetString()!.StartsWith("failback to master", StringComparison.Ordinal))
            .GetProperty("time").GetDateTimeOffset();
        Assert.IsGreaterThan(550, (failback - firstGood).TotalMilliseconds, $"the master is back too early: first good probe {firstGood:HH:mm:ss.fff}, failback {failback:HH:mm:ss.fff}");
    }

    /// <summary>When the server's nginx answered the firmware's first good probe after <paramref name="after"/> (its access log's <c>$msec</c>).</summary>
    private static DateTimeOffset FirstProbeAnswered(Lab lab, string server, DateTimeOffset after) => File.ReadLines(lab.AccessLogOf(server))
        .Select(line => line.Split(' '))
        .Where(f => f[1] == lab.Management && f[4] == "\"GET" && f[5] == "/health" && f[7] == "200")
        .Select(f => DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture) * 1000)))
        .First(t => t > after);

    [TestMethod]
    public void InManualModeTheMasterReturnsOnlyWhenAskedAndARefusalIsExplained()
    {
        using var lab = Host.NewLab();
        // A probe racing nginx's restart may fail once more: with the hold-down on, that second
        // down would (rightly) hold the master out, which is not what this test is about.
        var config = lab.WriteConfig("probe=http", "failback=manual", "hold=off");
        using var firmware = Firmware.StartOn(lab, config);
        lab.WaitServing("master", Settle);
        lab.Fault("kill", "master");
        lab.WaitServing("slave", Quick);

        var refused = Firmware.Run("failback", "--config", config);
        Assert.AreEqual(3, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Error, "master unhealthy");

        lab.Fault("restart", "master");
        firmware.WaitForEvent("master healthy", Settle);
        Thread.Sleep(300);
        Assert.AreEqual("slave", lab.ServingServer(), "manual mode waits for the operator");
        Assert.AreEqual("blink", Status(config).GetProperty("panel").GetProperty("master").GetString(), "green blinks: failback pending");

        var done = Firmware.Run("failback", "--config", config);
        Assert.AreEqual(0, done.ExitCode, done.ToString());
        lab.WaitServing("master", Quick);
    }

    [TestMethod]
    public void ASimulatedPressMovesTrafficBackToTheMaster()
    {
        using var lab = Host.NewLab();
        var config = lab.WriteConfig("probe=http", "failback=manual");
        using var firmware = Firmware.StartOn(lab, config);
        lab.WaitServing("master", Settle);
        var hold = Firmware.Run("press", "long", "--config", config);
        Assert.AreEqual(0, hold.ExitCode, hold.ToString());
        lab.WaitServing("slave", Quick);
        var press = Firmware.Run("press", "short", "--config", config);
        Assert.AreEqual(0, press.ExitCode, press.ToString());
        lab.WaitServing("master", Quick);
    }

    [TestMethod]
    public async Task PostsNeedTheTokenAndGetsAreOpen()
    {
        using var lab = Host.NewLab();
        var config = lab.WriteConfig("probe=http");
        File.WriteAllText(config, File.ReadAllText(config).Replace("api: { ", "api: { hostnames: [appliance.example], ", StringComparison.Ordinal));
        using var firmware = Firmware.StartOn(lab, config);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{lab.Management}:8080") };
        Assert.AreEqual(HttpStatusCode.OK, (await http.GetAsync("/api/status")).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/failback", null)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/press?kind=short", null)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-token");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/failback", null)).StatusCode);
        var token = File.ReadAllText(lab.TokenFile).Trim();
        http.DefaultRequestHeaders.Authorization = new("bearer", token);
        var conflict = await http.PostAsync("/api/failback", null);
        Assert.AreEqual(HttpStatusCode.Conflict, conflict.StatusCode, "the scheme is case-insensitive; nothing to fail back to: the master serves");

        // DNS rebinding: a page in the office that points a name of its own at the box is refused; the box's
        // address and the names in api.hostnames are served, with or without the port, in any case.
        foreach (var host in new[] { "rebound.example", "rebound.example:8080", "appliance.example.evil", "198.18.0.1" })
        {
            var refused = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/status") { Headers = { Host = host } });
            Assert.AreEqual(HttpStatusCode.MisdirectedRequest, refused.StatusCode, host);
            StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "api.hostnames", host);
        }
        var post = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/press?kind=short") { Headers = { Host = "rebound.example" } });
        Assert.AreEqual(HttpStatusCode.MisdirectedRequest, post.StatusCode, "also with the token");
        foreach (var host in new[] { "appliance.example", "APPLIANCE.Example:8080", "appliance.example.", lab.Management, $"{lab.Management}:8080" })
        {
            var served = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/status") { Headers = { Host = host } });
            Assert.AreEqual(HttpStatusCode.OK, served.StatusCode, host);
        }
        var metrics = await http.GetStringAsync("/metrics");
        StringAssert.Contains(metrics, "appliance_active_server{server=\"master\"} 1");
        StringAssert.Contains(metrics, "appliance_probe_latency_seconds_bucket{server=\"slave\",le=\"+Inf\"}");
        StringAssert.Contains(metrics, "# TYPE appliance_build_info gauge\n");
        StringAssert.Contains(metrics, $"\nappliance_build_info{{version=\"{Built.Version}\",commit=\"{Built.Commit}\"}} 1\n");
        var status = JsonDocument.Parse(await http.GetStringAsync("/api/status")).RootElement;
        Assert.AreEqual(Built.Version, status.GetProperty("version").GetString());
        Assert.AreEqual(Built.Commit, status.GetProperty("commit").GetString());
        var described = Firmware.Run("status", "--config", config);
        Assert.AreEqual(0, described.ExitCode, described.ToString());
        StringAssert.Contains(described.Output, $"\nfirmware: {Built.Version} ({Built.Commit})\n");
    }

    [TestMethod]
    [DataRow("failback")]
    [DataRow("press")]
    public void AUserWhoCannotReadTheTokenIsToldSo(string verb)
    {
        // As on the box: the token is root's (0600 here), the configuration readable by all. No firmware is needed:
        // the client stops before it asks.
        var dir = Directory.CreateTempSubdirectory("appliance-token-");
        try
        {
            File.SetUnixFileMode(dir.FullName, (UnixFileMode)0b111_101_101);
            var token = Path.Combine(dir.FullName, "api.token");
            File.WriteAllText(token, "0123456789abcdef0123456789abcdef\n");
            File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var config = Path.Combine(dir.FullName, "appliance.yml");
            File.WriteAllText(config, $$"""
                service: { vip: 198.18.7.100 }
                servers:
                  - { name: master, address: 198.18.7.1, port: 1 }
                  - { name: slave, address: 198.18.7.2, port: 2 }
                bridge: { management: 198.18.7.6/24 }
                api: { listen: "127.0.0.1:9", token_file: "{{token}}" }
                """);
            var result = Sh.Run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "dotnet", Path.Combine(AppContext.BaseDirectory, "appliance.dll"), verb, "--config", config);
            Assert.AreEqual(1, result.ExitCode, result.ToString());
            Assert.AreEqual($"appliance: cannot use the API token in {token}: permission denied (run as root, or as a member of the file's group)\n", result.Error, result.ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void VersionNamesTheReleaseAndTheCommit()
    {
        var result = Firmware.Run("--version");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual($"appliance {Built.Version} ({Built.Commit})", result.Output.TrimEnd('\n'));
    }

    [TestMethod]
    public void StatusJsonMatchesTheDataPlane()
    {
        using var lab = Host.NewLab(servers: 3);
        var config = lab.WriteConfig("probe=http");
        using var firmware = Firmware.StartOn(lab, config);
        lab.WaitServing("master", Settle);
        AssertStatusMatches(lab, config, "master");
        lab.Fault("link-down", "master");
        lab.WaitServing("slave", Quick);
        Thread.Sleep(200);
        AssertStatusMatches(lab, config, "slave");
        lab.Fault("kill", "slave");
        lab.WaitServing("spare", Quick);
        Thread.Sleep(200);
        AssertStatusMatches(lab, config, "spare");
    }

    private static void AssertStatusMatches(Lab lab, string config, string serving)
    {
        var status = Status(config);
        Assert.AreEqual(serving, status.GetProperty("active").GetString());
        Assert.AreEqual(serving, lab.ServingServer());
        Assert.IsTrue(status.GetProperty("switch").GetProperty("connected").GetBoolean());
        foreach (var server in status.GetProperty("servers").EnumerateArray())
        {
            var name = server.GetProperty("name").GetString()!;
            Assert.AreEqual(name == serving ? "active" : server.GetProperty("health").GetString() == "up" ? "standby" : "down", server.GetProperty("state").GetString(), name);
            Assert.AreEqual(lab.AddressOf(name), server.GetProperty("address").GetString());
            Assert.AreEqual(lab.MacOf(name), server.GetProperty("mac").GetString(), "learned by ARP");
        }
    }

    private static JsonElement Status(string config)
    {
        var result = Firmware.Run("status", "--json", "--config", config);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }
}
