using System.Diagnostics;
using System.Text;

namespace Appliance.Health.Tests;

[TestClass]
public sealed class HttpProbeTests
{
    private static readonly ServerTarget Local = new("local", IPAddress.Loopback);

    [TestMethod]
    [DataRow(200)]
    [DataRow(204)]
    [DataRow(301)]
    [DataRow(302)]
    [DataRow(399)]
    public async Task SuccessAndRedirectStatusesAreHealthy(int status)
    {
        await using var server = new LoopbackServer(ServerBehaviour.Answer, status);
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/health");

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsTrue(outcome.Healthy, outcome.Detail);
        Assert.AreEqual($"HTTP {status}", outcome.Detail);
    }

    [TestMethod]
    [DataRow(503)]
    [DataRow(500)]
    [DataRow(404)]
    [DataRow(199)]
    [DataRow(418)]
    public async Task OtherStatusesFailWithTheStatus(int status)
    {
        await using var server = new LoopbackServer(ServerBehaviour.Answer, status);
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/");

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual($"HTTP {status}", outcome.Detail);
    }

    [TestMethod]
    public async Task RefusedConnectionFailsAtOnce()
    {
        var probe = new HttpProbe(IPAddress.Loopback, LoopbackServer.ClosedPort(), "/");
        var clock = Stopwatch.StartNew();

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual(ProbeDetails.ConnectionRefused, outcome.Detail);
        Assert.IsLessThan(500, clock.ElapsedMilliseconds);
    }

    [TestMethod]
    public async Task ServerThatAcceptsButNeverAnswersTimesOut()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Silent);
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/");
        var clock = Stopwatch.StartNew();

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromMilliseconds(200)));

        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual(ProbeDetails.TimeoutAfterConnect, outcome.Detail);
        Assert.IsGreaterThanOrEqualTo(190, clock.ElapsedMilliseconds);
        Assert.IsLessThan(2000, clock.ElapsedMilliseconds);
    }

    [TestMethod]
    public async Task SlowAnswerWithinTheTimeoutIsHealthyWithItsLatency()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Answer, 200, TimeSpan.FromMilliseconds(150));
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/");

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsTrue(outcome.Healthy, outcome.Detail);
        Assert.AreEqual("HTTP 200", outcome.Detail);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(140), outcome.Latency);
    }

    [TestMethod]
    public async Task SlowAnswerPastTheTimeoutTimesOut()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Answer, 200, TimeSpan.FromMilliseconds(500));
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/");

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromMilliseconds(100)));

        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual(ProbeDetails.TimeoutAfterConnect, outcome.Detail);
    }

    [TestMethod]
    public async Task ConnectionClosedWithoutAnswerFails()
    {
        await using var server = new LoopbackServer(ServerBehaviour.CloseAtOnce);
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/");

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsFalse(outcome.Healthy);
        Assert.IsTrue(outcome.Detail is "connection closed without response" or ProbeDetails.ConnectionReset, outcome.Detail);
    }

    [TestMethod]
    public async Task SomethingThatIsNotHttpFails()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Garbage);
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/");

        var outcome = await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsFalse(outcome.Healthy);
        Assert.AreEqual("malformed HTTP status line", outcome.Detail);
    }

    [TestMethod]
    public async Task SendsAMinimalHttp11RequestWithHostAndConnectionClose()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Answer);
        var probe = new HttpProbe(IPAddress.Loopback, server.Port, "/health?full=1");

        await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)));

        Assert.IsTrue(server.Requests.TryPeek(out var request));
        var lines = request.Split("\r\n");
        Assert.AreEqual("GET /health?full=1 HTTP/1.1", lines[0]);
        CollectionAssert.Contains(lines, $"Host: 127.0.0.1:{server.Port}");
        CollectionAssert.Contains(lines, "Connection: close");
    }

    [TestMethod]
    public async Task EveryProbeOpensAFreshConnectionFromTheSourceAddress()
    {
        await using var server = new LoopbackServer(ServerBehaviour.Answer);
        var source = IPAddress.Parse("127.0.0.3");
        var probe = new HttpProbe(source, server.Port, "/");

        for (int i = 0; i < 5; i++) Assert.IsTrue((await probe.ProbeAsync(Local, Deadline(TimeSpan.FromSeconds(5)))).Healthy);

        Assert.AreEqual(5, server.Accepted);
        Assert.IsTrue(server.Peers.All(p => p.Address.Equals(source)));
        Assert.AreEqual(5, server.Peers.Select(p => p.Port).Distinct().Count());
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("health")]
    [DataRow("/a b")]
    [DataRow("/a\r\nX: y")]
    public void PathsThatWouldBreakTheRequestAreRefused(string path) =>
        Assert.ThrowsExactly<ArgumentException>(() => new HttpProbe(null, 80, path));

    [TestMethod]
    [DataRow("HTTP/1.1 200 OK\r", 200)]
    [DataRow("HTTP/1.0 503 Service Unavailable", 503)]
    [DataRow("HTTP/1.1 204", 204)]
    [DataRow("HTTP/1.1 302 \r", 302)]
    public void StatusLinesParse(string line, int status)
    {
        Assert.IsTrue(HttpStatusLine.TryParse(Encoding.ASCII.GetBytes(line), out int parsed));
        Assert.AreEqual(status, parsed);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("HTTP/1.1 20 OK")]
    [DataRow("HTTP/1.1 2000 OK")]
    [DataRow("HTTP/1.1 abc OK")]
    [DataRow("HTTP/2 200 OK")]
    [DataRow("ICY 200 OK")]
    [DataRow("HTTP/1.1 099 Weird")]
    public void MalformedStatusLinesDoNotParse(string line) =>
        Assert.IsFalse(HttpStatusLine.TryParse(Encoding.ASCII.GetBytes(line), out _));

    private static CancellationToken Deadline(TimeSpan after) => TcpProbeTests.Deadline(after);
}
