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
        firmware.WaitForLog("failover from master to slave", Settle);
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
        lab.Fault("restart", "master");
        var restarted = DateTime.UtcNow;
        Thread.Sleep(400);
        Assert.AreEqual("slave", lab.ServingServer(), "the master is back too early: fewer than rise good probes");
        lab.WaitServing("master", Settle);
        Assert.IsGreaterThan(550, (DateTime.UtcNow - restarted).TotalMilliseconds);
        firmware.WaitForLog("master healthy: 3 good probes", Settle);
    }

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
        firmware.WaitForLog("master healthy", Settle);
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
        using var firmware = Firmware.StartOn(lab, config);
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
            Assert.AreEqual(Lab.MacOf(lab.AddressOf(name)), server.GetProperty("mac").GetString(), "learned by ARP");
        }
    }

    private static JsonElement Status(string config)
    {
        var result = Firmware.Run("status", "--json", "--config", config);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }
}
