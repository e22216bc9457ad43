using Appliance.Api;

namespace Appliance.Api.Tests;

/// <summary>The guard's drop counts as /metrics and /api/status show them.</summary>
[TestClass]
public sealed class GuardMetricsTests
{
    private static GuardMetrics Counted()
    {
        var guards = new GuardMetrics();
        guards.Publish([new("mac", "master", 7), new("arp", "management", 3), new("arp", "vip", 2), new("ipv4", "slave", 0)]);
        return guards;
    }

    [TestMethod]
    public void MetricsHaveOneCounterSeriesPerGuardAndOwner()
    {
        var text = PrometheusText.Render(ApplianceStatus.Refused([]), new ProbeMetrics([]), Counted(), new ConnectionCounts());

        StringAssert.Contains(text, "# TYPE appliance_guard_dropped_packets_total counter\n");
        StringAssert.Contains(text, "appliance_guard_dropped_packets_total{guard=\"mac\",owner=\"master\"} 7\n");
        StringAssert.Contains(text, "appliance_guard_dropped_packets_total{guard=\"arp\",owner=\"vip\"} 2\n");
        StringAssert.Contains(text, "appliance_guard_dropped_packets_total{guard=\"ipv4\",owner=\"slave\"} 0\n");
    }

    [TestMethod]
    public void StatusSumsEachGuardOverItsOwners()
    {
        var dropped = StatusDocument.From(ApplianceStatus.Refused([]), [], Counted(), new ConnectionCounts()).Dropped;

        Assert.AreEqual(new DroppedDocument(7, 5, 0), dropped);
    }
}
