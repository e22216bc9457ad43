using System.Text.Json;
using Appliance.Policy;

namespace Appliance.Api.Tests;

/// <summary>Connections per server and draining as /api/status and /metrics show them.</summary>
[TestClass]
public sealed class ConnectionCountsTests
{
    /// <summary>After a failback: the master serves again, the slave still carries 4 connections; the third server's count is unknown.</summary>
    private static readonly ApplianceStatus Failback = new(
        "master", "auto", true, "00000200c6134d06",
        [Server("master", ServerRole.Active), Server("slave", ServerRole.Standby), Server("backup", ServerRole.Standby)],
        1, PanelView.Dark, ["master", "slave", "backup"]);

    private static ConnectionCounts Counted(uint master = 2, uint slave = 4)
    {
        var counts = new ConnectionCounts();
        counts.Publish(new Dictionary<string, uint?> { ["master"] = master, ["slave"] = slave, ["backup"] = null });
        return counts;
    }

    [TestMethod]
    public void AServerWithConnectionsThatDoesNotServeIsDraining()
    {
        var counts = Counted();

        Assert.IsFalse(counts.Draining("master", "master"), "the active server takes the new connections");
        Assert.IsTrue(counts.Draining("slave", "master"));
        Assert.IsFalse(counts.Draining("backup", "master"), "unknown is not draining");
        Assert.IsFalse(Counted(slave: 0).Draining("slave", "master"), "drained");
        Assert.IsTrue(counts.Draining("master", null), "nobody serves: whatever a server carries drains");
        Assert.IsNull(counts.Of("nobody"));
        Assert.IsNull(new ConnectionCounts().Of("master"), "nothing read yet");
    }

    [TestMethod]
    public void StatusShowsEachServersConnectionsOrNull()
    {
        var document = StatusDocument.From(Failback, [], new GuardMetrics(), Counted());
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(document, ApiJson.Default.StatusDocument));
        var servers = json.RootElement.GetProperty("servers");

        Assert.AreEqual(2, servers[0].GetProperty("connections").GetInt32());
        Assert.IsFalse(servers[0].GetProperty("draining").GetBoolean());
        Assert.AreEqual(4, servers[1].GetProperty("connections").GetInt32());
        Assert.IsTrue(servers[1].GetProperty("draining").GetBoolean());
        Assert.AreEqual(JsonValueKind.Null, servers[2].GetProperty("connections").ValueKind, "unknown: null, not 0");
        Assert.IsFalse(servers[2].GetProperty("draining").GetBoolean());
    }

    [TestMethod]
    public void MetricsHaveAConnectionsGaugeOnlyWhereKnownAndADrainingGaugeForEveryServer()
    {
        var text = PrometheusText.Render(Failback, new ProbeMetrics([]), new GuardMetrics(), Counted());

        StringAssert.Contains(text, "# HELP appliance_server_connections ");
        StringAssert.Contains(text, "# TYPE appliance_server_connections gauge\n");
        StringAssert.Contains(text, "appliance_server_connections{server=\"master\"} 2\n");
        StringAssert.Contains(text, "appliance_server_connections{server=\"slave\"} 4\n");
        Assert.DoesNotContain("appliance_server_connections{server=\"backup\"}", text, "a gauge cannot say unknown: no series");
        StringAssert.Contains(text, "# HELP appliance_server_draining ");
        StringAssert.Contains(text, "# TYPE appliance_server_draining gauge\n");
        StringAssert.Contains(text, "appliance_server_draining{server=\"master\"} 0\n");
        StringAssert.Contains(text, "appliance_server_draining{server=\"slave\"} 1\n");
        StringAssert.Contains(text, "appliance_server_draining{server=\"backup\"} 0\n");
    }

    [TestMethod]
    public void AHardDownServerIsShownAsSuchInStatusAndMetrics()
    {
        var status = Failback with { Servers = [Server("master", ServerRole.Active), Server("slave", ServerRole.Down) with { HardDown = true }, Server("backup", ServerRole.Standby)] };
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(StatusDocument.From(status, [], new GuardMetrics(), Counted()), ApiJson.Default.StatusDocument));
        var servers = json.RootElement.GetProperty("servers");
        Assert.IsFalse(servers[0].GetProperty("hard_down").GetBoolean());
        Assert.IsTrue(servers[1].GetProperty("hard_down").GetBoolean());

        var text = PrometheusText.Render(status, new ProbeMetrics([]), new GuardMetrics(), Counted());
        StringAssert.Contains(text, "# TYPE appliance_server_hard_down gauge\n");
        StringAssert.Contains(text, "appliance_server_hard_down{server=\"master\"} 0\n");
        StringAssert.Contains(text, "appliance_server_hard_down{server=\"slave\"} 1\n");
    }

    [TestMethod]
    public void CountsPastThirtyOneBitsAreShownWhole()
    {
        var text = PrometheusText.Render(Failback, new ProbeMetrics([]), new GuardMetrics(), Counted(master: uint.MaxValue));
        var json = JsonSerializer.Serialize(StatusDocument.From(Failback, [], new GuardMetrics(), Counted(master: uint.MaxValue)), ApiJson.Default.StatusDocument);

        StringAssert.Contains(text, "appliance_server_connections{server=\"master\"} 4294967295\n");
        StringAssert.Contains(json, "\"connections\":4294967295");
    }

    private static ServerView Server(string name, ServerRole role) =>
        new(name, "198.18.0.1", 1, "02:00:c6:12:00:01", LinkState.Up, HealthState.Up, role, "HTTP 200");
}
