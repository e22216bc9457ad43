using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Config;
using Appliance.Policy;

namespace Appliance.Api.Tests;

/// <summary>
/// The peer box read and written through <see cref="PeerApi"/> (docs/pair.md#settings), against a hostile local HTTP
/// listener: slow, silent, huge, not JSON, wrong status. None of it may hurt the box: each is an answer with a reason.
/// </summary>
[TestClass]
public sealed class PairSyncTests
{
    private const string Ours = """
        bridge: { name: br0, management: 198.18.0.6/24 }
        service: { vip: 198.18.0.100 }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        health: { interval: 50ms }
        api: { listen: "198.18.0.6:8080" }
        pair: { notify_fifo: /a, track_file: /b, peer_api: "http://198.18.0.7:8080", peer_token_file: /t }
        """;

    private const string Peers = """
        bridge: { name: br1, management: 198.18.0.7/24 }
        service: { vip: 198.18.0.100 }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        health: { interval: 20ms }
        api: { listen: "198.18.0.7:8080" }
        pair: { notify_fifo: /a, track_file: /b, peer_api: "http://198.18.0.6:8080", peer_token_file: /t }
        """;

    public TestContext TestContext { get; set; } = null!;

    private string TokenFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"peer-token-{Guid.NewGuid():N}");
        File.WriteAllText(path, "0123456789abcdef0123456789abcdef\n");
        return path;
    }

    /// <summary>A peer on loopback: each connection's request (head and body) goes to <paramref name="answer"/>, which writes whatever it likes.</summary>
    private sealed class HostilePeer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;

        public HostilePeer(Func<string, string, Stream, CancellationToken, Task> answer)
        {
            _listener.Start();
            _accepting = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    _ = Task.Run(async () =>
                    {
                        using (client)
                        {
                            try
                            {
                                var stream = client.GetStream();
                                var (head, body) = await ReadRequestAsync(stream, _stop.Token);
                                Requests.Add(head + "\r\n\r\n" + body);
                                await answer(head, body, stream, _stop.Token);
                            }
                            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                            {
                                // The client gave up: what a hostile peer lives with.
                            }
                        }
                    });
                }
            });
        }

        public List<string> Requests { get; } = [];

        public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

        private static async Task<(string Head, string Body)> ReadRequestAsync(Stream stream, CancellationToken cancel)
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            while (!Encoding.ASCII.GetString([.. bytes]).EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await stream.ReadAsync(one, cancel) == 0) throw new IOException("closed");
                bytes.Add(one[0]);
            }
            var head = Encoding.ASCII.GetString([.. bytes]).TrimEnd();
            var length = head.Split("\r\n").Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                .Select(l => int.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            var body = new byte[length];
            var read = 0;
            while (read < length) read += await stream.ReadAsync(body.AsMemory(read), cancel);
            return (head, Encoding.UTF8.GetString(body));
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }
    }

    private static Task Answer(Stream stream, int status, string body, CancellationToken cancel, string type = "application/json") =>
        stream.WriteAsync(Encoding.UTF8.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: {type}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}"), cancel).AsTask();

    private static string ConfigAnswer(string text) =>
        "{\"path\": \"/etc/appliance/appliance.yml\", \"text\": " + JsonSerializer.Serialize(text, ApiJson.Default.String) + ", \"values\": {}}";

    private async Task<(PairSettingsStatus Status, TimeSpan Took, HostilePeer Peer)> CompareWith(Func<string, string, Stream, CancellationToken, Task> answer)
    {
        var peer = new HostilePeer(answer);
        using var api = new PeerApi(peer.Address, TokenFile());
        var watch = Stopwatch.StartNew();
        var status = await PairSync.CompareAsync(api, () => Ours, TestContext.CancellationToken);
        return (status, watch.Elapsed, peer);
    }

    [TestMethod]
    public async Task ThePeersConfigurationIsReadWithItsTokenAndCompared()
    {
        var (status, _, peer) = await CompareWith((_, _, s, c) => Answer(s, 200, ConfigAnswer(Peers), c));
        await using var _ = peer;

        Assert.AreEqual(PairSettingsState.Differ, status.State, status.Why);
        CollectionAssert.AreEqual(new[] { "health.interval" }, status.Keys.ToArray());
        StringAssert.StartsWith(peer.Requests.Single(), "GET /api/config HTTP/1.1");
        StringAssert.Contains(peer.Requests[0], "Authorization: Bearer 0123456789abcdef0123456789abcdef");

        var (same, _, samePeer) = await CompareWith((_, _, s, c) => Answer(s, 200, ConfigAnswer(Peers.Replace("20ms", "50ms", StringComparison.Ordinal)), c));
        await using var __ = samePeer;
        Assert.AreEqual(PairSettingsState.Same, same.State, same.Why);
    }

    [TestMethod]
    public async Task ASilentPeerIsGivenUpAfterTwoSeconds()
    {
        var (status, took, peer) = await CompareWith((_, _, _, c) => Task.Delay(Timeout.Infinite, c));
        await using var _ = peer;

        // Silent: with the VRRP paths quiet too, the peer is lost (docs/pair.md#pair-faults).
        Assert.AreEqual(new PairSettingsStatus(PairSettingsState.Unknown, [], "the peer did not answer within 2 s") { PeerSilent = true }, status with { Keys = [] });
        Assert.IsLessThan(TimeSpan.FromSeconds(3.5), took);
    }

    [TestMethod]
    public async Task APeerThatDribblesItsAnswerIsGivenUpAfterTwoSecondsBodyIncluded()
    {
        var (status, took, peer) = await CompareWith(async (_, _, s, c) =>
        {
            await s.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"text\": \""u8.ToArray(), c);
            while (true)
            {
                await s.WriteAsync("a"u8.ToArray(), c);
                await Task.Delay(100, c);
            }
        });
        await using var _ = peer;

        Assert.AreEqual("the peer did not answer within 2 s", status.Why);
        Assert.IsFalse(status.PeerSilent, "its headers came: the peer is there");
        Assert.IsLessThan(TimeSpan.FromSeconds(3.5), took);
    }

    [TestMethod]
    public async Task AHugeAnswerIsNotRead()
    {
        var (declared, _, peer) = await CompareWith((_, _, s, c) =>
            s.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n"), c).AsTask());
        await using var _ = peer;
        Assert.AreEqual("the peer's answer is larger than 1048576 bytes", declared.Why);

        var (undeclared, took, endless) = await CompareWith(async (_, _, s, c) =>
        {
            await s.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"u8.ToArray(), c);
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)' ');
            while (true) await s.WriteAsync(chunk, c);
        });
        await using var __ = endless;
        Assert.AreEqual("the peer's answer is larger than 1048576 bytes", undeclared.Why);
        Assert.IsLessThan(TimeSpan.FromSeconds(3.5), took);
    }

    [TestMethod]
    public async Task AnAnswerThatIsNotTheConfigurationIsSaidSo()
    {
        var (notJson, _, p1) = await CompareWith((_, _, s, c) => Answer(s, 200, "<html>hello</html>", c, "text/html"));
        await using var _1 = p1;
        StringAssert.StartsWith(notJson.Why, "the peer's answer is not the JSON of /api/config: ");
        Assert.IsFalse(notJson.PeerSilent);
        Assert.AreEqual(PairSettingsState.Unknown, notJson.State);

        var (noText, _, p2) = await CompareWith((_, _, s, c) => Answer(s, 200, "{\"text\": 5}", c));
        await using var _2 = p2;
        StringAssert.StartsWith(noText.Why, "the peer's answer is not the JSON of /api/config: ");

        var (empty, _, p3) = await CompareWith((_, _, s, c) => Answer(s, 200, "{}", c));
        await using var _3 = p3;
        Assert.AreEqual("the peer's answer has no configuration text", empty.Why);

        var (large, _, p4) = await CompareWith((_, _, s, c) => Answer(s, 200, ConfigAnswer(new string('#', ConfigEdit.MaxTextBytes + 1)), c));
        await using var _4 = p4;
        Assert.AreEqual("the peer's configuration is larger than 65536 bytes", large.Why);
    }

    [TestMethod]
    public async Task APeerTextThatIsNotYamlDiffersInEverySharedKey()
    {
        var (status, _, peer) = await CompareWith((_, _, s, c) => Answer(s, 200, ConfigAnswer("servers: [ { : ]"), c));
        await using var _ = peer;

        Assert.AreEqual(PairSettingsState.Differ, status.State);
        CollectionAssert.Contains(status.Keys.ToArray(), "service.vip");
    }

    [TestMethod]
    public async Task AWrongStatusIsSaidWithThePeersMessageCutAndEscaped()
    {
        var (refused, _, p1) = await CompareWith((_, _, s, c) => Answer(s, 401, "{\"accepted\": false, \"message\": \"a valid token is needed\\u001b[31m\"}", c));
        await using var _1 = p1;
        Assert.AreEqual(PairSettingsState.Unknown, refused.State);
        StringAssert.StartsWith(refused.Why, "the peer answered 401: a valid token is needed");
        Assert.IsFalse(refused.PeerSilent, "a refusal is an answer");
        Assert.IsFalse(refused.Why.Any(char.IsControl), refused.Why);

        var (broken, _, p2) = await CompareWith((_, _, s, c) => Answer(s, 500, new string('x', 5000), c, "text/plain"));
        await using var _2 = p2;
        Assert.AreEqual("the peer answered 500", broken.Why);
    }

    [TestMethod]
    public async Task NoPeerListeningOrNoTokenIsSaidSo()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var closed = new PeerApi(new Uri($"http://127.0.0.1:{port}/"), TokenFile());
        var status = await PairSync.CompareAsync(closed, () => Ours, TestContext.CancellationToken);
        StringAssert.StartsWith(status.Why, $"the peer cannot be reached at http://127.0.0.1:{port}/: ");
        Assert.IsTrue(status.PeerSilent);

        await using var peer = new HostilePeer((_, _, s, c) => Answer(s, 200, ConfigAnswer(Peers), c));
        using var noToken = new PeerApi(peer.Address, "/nonexistent/peer.token");
        var without = await PairSync.CompareAsync(noToken, () => Ours, TestContext.CancellationToken);
        StringAssert.StartsWith(without.Why, "the peer's token (pair.peer_token_file /nonexistent/peer.token) cannot be used: ");
        Assert.IsFalse(without.PeerSilent, "not asked: nothing known of the peer");
        Assert.IsEmpty(peer.Requests, "nothing is sent without the token");
    }

    [TestMethod]
    public async Task OurOwnFileUnreadableIsUnknownToo()
    {
        await using var peer = new HostilePeer((_, _, s, c) => Answer(s, 200, ConfigAnswer(Peers), c));
        using var api = new PeerApi(peer.Address, TokenFile());

        var status = await PairSync.CompareAsync(api, () => throw new IOException("gone"), TestContext.CancellationToken);

        Assert.AreEqual("this box's configuration cannot be read: gone", status.Why);
    }

    private sealed class OwnConfig(string text) : IConfigControl
    {
        public string Path => "/etc/appliance/appliance.yml";

        public ApplianceConfig Running => ConfigLoader.Parse(text, Path);

        public string ReadText() => text;

        public IReadOnlyList<string> Rules(ApplianceConfig config) => [];

        public Task<ApplyOutcome> ApplyAsync(Func<ConfigCandidate> prepare) => throw new NotSupportedException();
    }

    [TestMethod]
    public async Task ACopyPutsOurSettingsWithThePeersOwnKeysAndPassesItsAnswerOn()
    {
        string? put = null;
        await using var peer = new HostilePeer((head, body, s, c) =>
        {
            if (head.StartsWith("GET ", StringComparison.Ordinal)) return Answer(s, 200, ConfigAnswer(Peers), c);
            put = body;
            return Answer(s, 200, "{\"ok\": true, \"applied\": true, \"message\": \"applied\"}", c);
        });
        using var api = new PeerApi(peer.Address, TokenFile());

        var (status, document) = await PairSync.CopyAsync(new OwnConfig(Ours), api, TestContext.CancellationToken);

        Assert.AreEqual(200, status, document.Message);
        Assert.IsTrue(document.Accepted);
        Assert.AreEqual(200, document.PeerStatus);
        CollectionAssert.AreEqual(new[] { "health.interval" }, document.Keys.ToArray());
        Assert.IsTrue(document.Peer!.Value.GetProperty("applied").GetBoolean());
        StringAssert.StartsWith(peer.Requests[1], "PUT /api/config HTTP/1.1");
        var text = JsonDocument.Parse(put!).RootElement.GetProperty("text").GetString()!;
        Assert.IsEmpty(PairSettings.Differences(text, Ours), "our shared settings");
        StringAssert.Contains(text, "management: 198.18.0.7/24", "the peer's own address kept");
        StringAssert.Contains(text, "http://198.18.0.6:8080", "the peer's own peer_api kept");
    }

    [TestMethod]
    public async Task ARefusalIsPassedOnAndAnythingElseIsABadGateway()
    {
        await using var refusing = new HostilePeer((head, _, s, c) => head.StartsWith("GET ", StringComparison.Ordinal)
            ? Answer(s, 200, ConfigAnswer(Peers), c)
            : Answer(s, 422, "{\"ok\": false, \"errors\": [{\"key\": \"service.vip\", \"line\": 2, \"column\": 12, \"message\": \"no\"}], \"message\": \"the configuration is not valid\"}", c));
        using (var api = new PeerApi(refusing.Address, TokenFile()))
        {
            var (status, document) = await PairSync.CopyAsync(new OwnConfig(Ours), api, TestContext.CancellationToken);
            Assert.AreEqual(422, status);
            Assert.IsFalse(document.Accepted);
            Assert.AreEqual("the peer refused the copy (422): the configuration is not valid", document.Message);
            Assert.AreEqual("service.vip", document.Peer!.Value.GetProperty("errors")[0].GetProperty("key").GetString());
        }

        await using var broken = new HostilePeer((head, _, s, c) => head.StartsWith("GET ", StringComparison.Ordinal)
            ? Answer(s, 200, ConfigAnswer(Peers), c)
            : Answer(s, 401, "{\"accepted\": false, \"message\": \"a valid token is needed\"}", c));
        using (var api = new PeerApi(broken.Address, TokenFile()))
        {
            var (status, document) = await PairSync.CopyAsync(new OwnConfig(Ours), api, TestContext.CancellationToken);
            Assert.AreEqual(502, status);
            Assert.AreEqual(401, document.PeerStatus);
        }

        await using var silent = new HostilePeer((_, _, _, c) => Task.Delay(Timeout.Infinite, c));
        using (var api = new PeerApi(silent.Address, TokenFile()))
        {
            var (status, document) = await PairSync.CopyAsync(new OwnConfig(Ours), api, TestContext.CancellationToken);
            Assert.AreEqual(502, status);
            Assert.AreEqual("nothing was copied: the peer's own settings must be kept, and its configuration cannot be read: the peer did not answer within 2 s", document.Message);
            Assert.HasCount(1, silent.Requests, "no PUT after a GET that failed");
        }

        var (none, noPeer) = await PairSync.CopyAsync(new OwnConfig(Ours), null, TestContext.CancellationToken);
        Assert.AreEqual(409, none);
        Assert.IsFalse(noPeer.Accepted);
    }
}
