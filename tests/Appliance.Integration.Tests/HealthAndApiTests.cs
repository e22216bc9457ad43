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
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://{lab.Management}:8080") };
        Assert.AreEqual(HttpStatusCode.OK, (await http.GetAsync("/api/status")).StatusCode);
        Assert.AreEqual(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/failback", null)).StatusCode);
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/press?kind=short", null)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-token");
        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/failback", null)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(lab.TokenFile).Trim());
        var conflict = await http.PostAsync("/api/failback", null);
        Assert.AreEqual(HttpStatusCode.Conflict, conflict.StatusCode, "nothing to fail back to: the master serves");
        var metrics = await http.GetStringAsync("/metrics");
        StringAssert.Contains(metrics, "appliance_active_server{server=\"master\"} 1");
        StringAssert.Contains(metrics, "appliance_probe_latency_seconds_bucket{server=\"slave\",le=\"+Inf\"}");
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
