using Appliance.Config;

namespace Appliance.Api.Tests;

/// <summary>Which settings of a pair are each box's own, the comparison that ignores them, and the copy that keeps the peer's.</summary>
[TestClass]
public sealed class PairSettingsTests
{
    private const string BoxA = """
        # box A
        bridge: { name: br0, datapath: system, management: 198.18.0.6/24 }
        openflow: { listen: "tcp:127.0.0.1:6653" }
        service: { vip: 198.18.0.100, conntrack_zone: 100 }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        health: { probe: http, port: 80, interval: 20ms }   # fast
        failback: manual
        api: { listen: "198.18.0.6:8080", token_file: /etc/appliance/api.token }
        pair:
          notify_fifo: /run/appliance/keepalived.fifo
          track_file: /run/appliance/pair-active
          peer_api: http://198.18.0.7:8080
          peer_token_file: /etc/appliance/peer.token
        """;

    private const string BoxB = """
        bridge: { name: br1, datapath: system, management: 198.18.0.7/24 }
        service: { vip: 198.18.0.100, conntrack_zone: 104 }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        health: { probe: http, port: 80, interval: 20ms }
        failback: manual
        panel: { driver: simulated }
        api: { listen: "198.18.0.7:8080", token_file: /var/lib/appliance/api.token, hostnames: [boxb.example, b.example] }
        pair:
          notify_fifo: /run/appliance/b.fifo
          track_file: /run/appliance/pair-active
          peer_api: http://198.18.0.6:8080
          peer_token_file: /etc/appliance/peer.token
        """;

    [TestMethod]
    [DataRow("bridge.management", true)]
    [DataRow("bridge", true)]
    [DataRow("openflow.listen", true)]
    [DataRow("panel.driver", true)]
    [DataRow("api.token_file", true)]
    [DataRow("pair.peer_api", true)]
    [DataRow("pair.notify_fifo", true)]
    [DataRow("service.conntrack_zone", true)]
    [DataRow("service.vip", false)]
    [DataRow("service.conntrack_limit", false)]
    [DataRow("servers.0.address", false)]
    [DataRow("health.interval", false)]
    [DataRow("failback", false)]
    [DataRow("notify.email.to", false)]
    [DataRow("time.ntp", false)]
    [DataRow("bridges.name", false)]
    [DataRow("apis", false)]
    public void PerBoxKeysAreTheBoxsOwn(string key, bool perBox) => Assert.AreEqual(perBox, PairSettings.IsPerBox(key), key);

    [TestMethod]
    public void TwoBoxesThatDifferOnlyInTheirOwnKeysAreTheSame()
    {
        Assert.IsEmpty(PairSettings.Differences(BoxA, BoxB));
        Assert.IsEmpty(PairSettings.Differences(BoxB, BoxA));
    }

    [TestMethod]
    public void ASharedKeyChangedAddedOrLeftOutIsADifference()
    {
        var changed = BoxA.Replace("interval: 20ms", "interval: 50ms", StringComparison.Ordinal).Replace("address: 198.18.0.2", "address: 198.18.0.3", StringComparison.Ordinal);
        CollectionAssert.AreEqual(new[] { "servers.1.address", "health.interval" }, PairSettings.Differences(changed, BoxB).ToArray());

        var added = BoxA.Replace("failback: manual", "failback: manual\ntime: { ntp: [198.18.0.53] }", StringComparison.Ordinal);
        CollectionAssert.AreEqual(new[] { "time.ntp" }, PairSettings.Differences(added, BoxB).ToArray());
        CollectionAssert.AreEqual(new[] { "time.ntp" }, PairSettings.Differences(BoxB, added).ToArray(), "a key the other box has is a difference too");
    }

    [TestMethod]
    public void ADefaultWrittenOnOneBoxOnlyCountsAsADifference()
    {
        // Compared as written: the operator sees the key to align, rather than two files that look alike and are not.
        var written = BoxA.Replace("failback: manual", "failback: manual\nservice_extra: 1", StringComparison.Ordinal);
        CollectionAssert.AreEqual(new[] { "service_extra" }, PairSettings.Differences(written, BoxB).ToArray());
    }

    [TestMethod]
    public void ATextThatIsNotYamlHasNoValuesSoEverySharedKeyDiffers()
    {
        var differences = PairSettings.Differences(BoxA, "servers: [ {");

        CollectionAssert.Contains(differences.ToArray(), "service.vip");
        Assert.IsFalse(differences.Any(PairSettings.IsPerBox));
    }

    [TestMethod]
    public void TheCopyIsThisBoxsConfigurationWithThePeersOwnKeys()
    {
        var ours = BoxA.Replace("interval: 20ms", "interval: 50ms", StringComparison.Ordinal);
        var copy = PairSettings.CopyFor(ours, BoxB, "copy");

        Assert.IsEmpty(copy.Errors, string.Join("\n", copy.Errors));
        Assert.IsEmpty(PairSettings.Differences(copy.Text, ours), "the shared keys are ours");
        Assert.IsEmpty(ConfigCandidate.ChangedBetween(BoxB, copy.Text).Where(PairSettings.IsPerBox).ToArray(), "the per-box keys are the peer's, none more, none less");
        StringAssert.Contains(copy.Text, "interval: 50ms }   # fast", "our comments and layout stay");
        StringAssert.Contains(copy.Text, "198.18.0.7/24");
        StringAssert.Contains(copy.Text, "conntrack_zone: 104");
        StringAssert.Contains(copy.Text, "[boxb.example, b.example]");
        Assert.DoesNotContain("openflow", copy.Text, "the peer has no openflow section: it keeps its defaults");
        Assert.IsTrue(ConfigLoader.TryParse(copy.Text, "copy", out ApplianceConfig? config, out var errors), string.Join("\n", errors));
        Assert.AreEqual("198.18.0.7", config.Bridge.ManagementAddress.ToString());
        Assert.AreEqual(new Uri("http://198.18.0.6:8080/"), config.Pair!.PeerApi);
        Assert.AreEqual(TimeSpan.FromMilliseconds(50), config.Health.Interval);
    }

    [TestMethod]
    [DataRow(": : [")]
    [DataRow("service: { vip: 198.18.0.100 }")]
    public void NoCopyOntoAPeerWhoseOwnKeysCannotBeRead(string peers)
    {
        var copy = PairSettings.CopyFor(BoxA, peers, "copy");

        Assert.AreEqual("the peer's configuration has no pair section (or cannot be read): its own settings cannot be kept", copy.Errors.Single().Message);
    }
}
