using System.Diagnostics;

namespace Appliance.Health.Tests;

[TestClass]
public sealed class TcpProbeTests
{
    private static readonly ServerTarget Local = new("local", IPAddress.Loopback);

    [TestMethod]
    public async Task AcceptedConnectionIsHealthy()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Silent);
        var probe = new TcpProbe(IPAddress.Loopback, server.Port);

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsTrue(outcome.Healthy, outcome.Detail);
        Assert.AreEqual(ProbeDetails.Connected, outcome.Detail);
        Assert.IsLessThan(TimeSpan.FromSeconds(1), outcome.Latency);
    }

    [TestMethod]
    public async Task RefusedConnectionFailsAtOnceNotAtTheTimeout()
    {
        var probe = new TcpProbe(IPAddress.Loopback, LoopbackServer.ClosedPort());
        var clock = Stopwatch.StartNew();

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual(ProbeDetails.ConnectionRefused, outcome.Detail);
        Assert.IsLessThan(500, clock.ElapsedMilliseconds, "a refusal must not wait for the timeout");
    }

    [TestMethod]
    public async Task LeavesFromTheSourceAddress()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Silent);
        // 127.0.0.2 is local too (all of 127/8 is), so it stands for the management address.
        var source = IPAddress.Parse("127.0.0.2");
        var probe = new TcpProbe(source, server.Port);

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsTrue(outcome.Healthy, outcome.Detail);
        await WaitFor(() => !server.Peers.IsEmpty);
        Assert.IsTrue(server.Peers.TryPeek(out var peer));
        Assert.AreEqual(source, peer.Address);
    }

    [TestMethod]
    public async Task UnusableSourceAddressFailsWithAReason()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Silent);
        // 198.18.255.254 is on no interface here.
        var probe = new TcpProbe(IPAddress.Parse("198.18.255.254"), server.Port);

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsFalse(outcome.Healthy);
        StringAssert.Contains(outcome.Detail, "source address not available");
    }

    [TestMethod]
    public async Task EveryProbeOpensAFreshConnection()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Silent);
        var probe = new TcpProbe(IPAddress.Loopback, server.Port);

        for (int i = 0; i < 5; i++) Assert.IsTrue((await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)))).Healthy);

        await WaitFor(() => server.Accepted == 5);
    }

    internal static CancellationToken Deadline(TimeSpan after) => new CancellationTokenSource(after).Token;

    internal static async Task WaitFor(Func<bool> condition, int milliseconds = 5000)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.ElapsedMilliseconds > milliseconds) Assert.Fail("condition not met in time");
            await Task.Delay(5);
        }
    }
}
