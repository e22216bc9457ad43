using System.Diagnostics;

namespace Appliance.Health.Tests;

/// <summary>
/// Probes past a router that has no route onward: it answers with ICMP network unreachable, which
/// must fail the probe at once. The router is a namespace on a veth pair (root needed); the route
/// to 198.19.253.0/24 points at it from our end and goes away with the link. Everything is named
/// it-… and removed after the test, whatever happened.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class RouterErrorTests
{
    private static readonly IPAddress Near = IPAddress.Parse("198.19.254.5");
    private static readonly IPAddress Router = IPAddress.Parse("198.19.254.6");
    private static readonly ServerTarget Beyond = new("beyond", IPAddress.Parse("198.19.253.9"));

    private readonly string _namespace = $"it-n{Random.Shared.Next(0x10000):x4}";
    private readonly string _near = $"it-a{Random.Shared.Next(0x10000):x4}";
    private readonly string _far = $"it-b{Random.Shared.Next(0x10000):x4}";

    [TestInitialize]
    public void MakeRouter()
    {
        try
        {
            Sh.Check("ip", "netns", "add", _namespace);
            Sh.Check("ip", "link", "add", _near, "type", "veth", "peer", "name", _far);
            Sh.Check("ip", "link", "set", _far, "netns", _namespace);
            Sh.Check("ip", "-n", _namespace, "addr", "add", $"{Router}/30", "dev", _far);
            Sh.Check("ip", "-n", _namespace, "link", "set", _far, "up");
            Sh.Check("ip", "netns", "exec", _namespace, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            Sh.Check("ip", "addr", "add", $"{Near}/30", "dev", _near);
            Sh.Check("ip", "link", "set", _near, "up");
            Sh.Check("ip", "route", "add", "198.19.253.0/24", "via", Router.ToString(), "dev", _near);
        }
        catch
        {
            RemoveRouter();
            throw;
        }
    }

    [TestCleanup]
    public void RemoveRouter()
    {
        Sh.Try("ip", "link", "del", _near);
        Sh.Try("ip", "netns", "del", _namespace);
    }

    [TestMethod]
    public async Task IcmpProbeFailsAtOnceOnNetworkUnreachable()
    {
        await using var probe = IcmpProbe.Open(Near);
        var clock = Stopwatch.StartNew();

        var outcome = await probe.ProbeAsync(Beyond, TcpProbeTests.Deadline(TimeSpan.FromSeconds(3)));

        Console.WriteLine($"{outcome.Detail} after {clock.ElapsedMilliseconds} ms");
        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual("ICMP network unreachable", outcome.Detail);
        Assert.IsLessThan(2500, clock.ElapsedMilliseconds, "an ICMP error must not wait for the 3 s timeout");
    }

    [TestMethod]
    public async Task TcpProbeFailsAtOnceOnNetworkUnreachable()
    {
        var probe = new TcpProbe(Near, 80);
        var clock = Stopwatch.StartNew();

        var outcome = await probe.ProbeAsync(Beyond, TcpProbeTests.Deadline(TimeSpan.FromSeconds(3)));

        Console.WriteLine($"{outcome.Detail} after {clock.ElapsedMilliseconds} ms");
        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual("network unreachable", outcome.Detail);
        Assert.IsLessThan(2500, clock.ElapsedMilliseconds, "well before the 3 s deadline: the ICMP error ended it, not the timeout");
    }
}
