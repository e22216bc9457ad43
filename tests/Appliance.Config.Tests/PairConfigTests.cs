using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary><c>pair:</c> this box is one of two that work as one (docs/pair.md).</summary>
[TestClass]
public sealed class PairConfigTests
{
    [TestMethod]
    public void ABoxOnItsOwnHasNoPair() => Assert.IsNull(Parse(Minimal).Pair);

    [TestMethod]
    public void TheFifoAndTrackFileWithTheDefaultSettle()
    {
        var pair = Parse(WithMinimal("pair: { notify_fifo: /run/appliance/keepalived.fifo, track_file: /run/appliance/pair-active }")).Pair!;

        Assert.AreEqual("/run/appliance/keepalived.fifo", pair.NotifyFifo);
        Assert.AreEqual("/run/appliance/pair-active", pair.TrackFile);
        Assert.AreEqual(TimeSpan.FromSeconds(1), pair.Settle);
        Assert.AreEqual(TimeSpan.FromMilliseconds(500), Parse(WithMinimal("pair: { notify_fifo: /a, track_file: /b, settle: 500ms }")).Pair!.Settle);
    }

    [TestMethod]
    public void MissingOrRelativePathsAreRefusedWithTheirPlace()
    {
        AssertSingle(WithMinimal("pair: { track_file: /b }"), 6, 7, "pair.notify_fifo", "required key missing");
        AssertSingle(WithMinimal("pair: { notify_fifo: fifo, track_file: /b }"), 6, 22, "pair.notify_fifo", "must be an absolute path");
        AssertSingle(WithMinimal("pair: { notify_fifo: /a, track_file: /b, setle: 1s }"), 6, 42, "pair.setle", "unknown key \"setle\"; did you mean \"settle\"?");
    }

    private const string Keepalived = "notify_fifo: /a, track_file: /b";

    [TestMethod]
    public void ThePeersApiAndTokenFile()
    {
        var pair = Parse(WithMinimal($"pair: {{ {Keepalived}, peer_api: http://198.18.0.7:8080, peer_token_file: /etc/appliance/peer.token }}")).Pair!;

        Assert.AreEqual(new Uri("http://198.18.0.7:8080/"), pair.PeerApi);
        Assert.AreEqual("/etc/appliance/peer.token", pair.PeerTokenFile);
        Assert.AreEqual(new Uri("http://198.18.0.7:8080/"), Parse(WithMinimal($"pair: {{ {Keepalived}, peer_api: \"http://198.18.0.7:8080/\", peer_token_file: /t }}")).Pair!.PeerApi);
        Assert.IsNull(Parse(WithMinimal($"pair: {{ {Keepalived} }}")).Pair!.PeerApi, "without peer_api nothing is compared");
    }

    [TestMethod]
    [DataRow("https://198.18.0.7:8080")]
    [DataRow("http://peer.example:8080")]
    [DataRow("http://198.18.0.7")]
    [DataRow("http://198.18.0.7:0")]
    [DataRow("http://198.18.0.7:65536")]
    [DataRow("http://198.18.0.7:80/api")]
    [DataRow("http://user@198.18.0.7:80")]
    [DataRow("http://198.18.0.7:80?x=1")]
    [DataRow("http://198.18.0.07:80")]
    [DataRow("http://[::1]:80")]
    [DataRow("http://198.18.0.7:+80")]
    public void AHostilePeerApiIsRefusedSayingWhatIsExpected(string value)
    {
        var e = Single(WithMinimal($"pair: {{ {Keepalived}, peer_api: \"{value}\", peer_token_file: /t }}"));

        Assert.AreEqual("pair.peer_api", e.Key);
        Assert.StartsWith("expected the peer box's API as http://IPv4:PORT, e.g. http://198.18.0.7:8080, got ", e.Message);
    }

    [TestMethod]
    public void ALongPeerApiIsCutInTheMessage()
    {
        var e = Single(WithMinimal($"pair: {{ {Keepalived}, peer_api: \"http://{new string('1', 5000)}\", peer_token_file: /t }}"));

        Assert.AreEqual("pair.peer_api", e.Key);
        Assert.IsLessThan(300, e.Message.Length);
    }

    [TestMethod]
    public void APeerApiOnAnUnusableAddressOrThisBoxIsRefused()
    {
        AssertSingle(WithMinimal($"pair: {{ {Keepalived}, peer_api: \"http://127.0.0.1:8080\", peer_token_file: /t }}"), 6, 52, "pair.peer_api",
            "the peer's address cannot be used: 127.0.0.1 is a loopback address");
        var own = "bridge: { management: 198.18.0.6/24 }\n" + Minimal.Replace("10.0.0.", "198.18.0.", StringComparison.Ordinal) +
            $"\npair: {{ {Keepalived}, peer_api: \"http://198.18.0.6:8080\", peer_token_file: /t }}";
        AssertSingle(own, 7, 52, "pair.peer_api", "198.18.0.6 is this box's own management address (bridge.management): give the other box's");
    }

    [TestMethod]
    public void ThePeerApiAndItsTokenFileGoTogether()
    {
        AssertSingle(WithMinimal($"pair: {{ {Keepalived}, peer_api: \"http://198.18.0.7:8080\" }}"), 6, 7, "pair.peer_token_file",
            "required with pair.peer_api (the peer's configuration is read with its token)");
        AssertSingle(WithMinimal($"pair: {{ {Keepalived}, peer_token_file: /t }}"), 6, 7, "pair.peer_api", "required with pair.peer_token_file");
        AssertSingle(WithMinimal($"pair: {{ {Keepalived}, peer_api: \"http://198.18.0.7:8080\", peer_token_file: token }}"), 6, 95, "pair.peer_token_file",
            "must be an absolute path");
    }
}
