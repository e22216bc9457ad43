using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>
/// An office host that lies (issue 12, items 2 and 3): forged ARP and IPv4 from the client port
/// claiming the servers, the management address and the VIP, frames with a server's MAC as source,
/// and a replaced server NIC. The VIP keeps serving, the health state does not move, the switch
/// drops and counts the lies, and a genuine MAC change is followed.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class HostileLanTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private const string MadeUp = "02:de:ad:be:ef:01";

    [TestMethod]
    [DataRow("nat")]
    [DataRow("dsr")]
    public async Task AnOfficeHostSpoofingTheServersTheBoxAndTheVipChangesNothing(string mode)
    {
        using var lab = GuardLab.Up(servers: 3, dsr: mode == "dsr");
        // Probes slow enough that a busy machine (ten forgers starting at once on two cores) cannot
        // time them out three times in a row: what this test shows is that no lie reaches them.
        var config = lab.WriteConfig($"mode={mode}", "probe=http", "interval=100ms", "timeout=300ms");
        using var firmware = Firmware.StartOn(lab, config);
        lab.WaitServing("master", Settle);
        await WaitAllHealthyAsync(config);

        var master = lab.AddressOf("master");
        var masterMac = lab.MacOf("master");
        var managementMac = lab.ManagementMac;
        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(8), rate: 200);
        await Task.Delay(1000);
        // Every lie at once, for about 5 s, from the office port.
        string[][] lies =
        [
            // (a) "the master is at a made-up MAC", broadcast and straight to the box
            Forge("arp-reply", "--spa", master, "--sha", MadeUp),
            Forge("arp-reply", "--spa", master, "--sha", MadeUp, "--eth-dst", managementMac, "--tpa", lab.Management, "--tha", managementMac),
            Forge("arp-request", "--spa", lab.AddressOf("slave"), "--sha", MadeUp),
            // the management address and the VIP claimed
            Forge("arp-reply", "--spa", lab.Management, "--sha", MadeUp),
            Forge("arp-reply", "--spa", lab.Vip, "--sha", MadeUp),
            // (b) frames with the master's (and the box's) MAC as source: the learning switch would move them to the office port
            Forge("udp", "--eth-src", masterMac, "--src", lab.AddressOf("client"), "--dst", lab.Management),
            Forge("udp", "--eth-src", managementMac, "--src", lab.AddressOf("client"), "--dst", master),
            // IPv4 from the master, the box and the VIP
            Forge("udp", "--src", master, "--dst", lab.Management),
            Forge("udp", "--src", lab.Management, "--dst", master),
            Forge("udp", "--src", lab.Vip, "--dst", lab.AddressOf("spare")),
        ];
        var forging = new List<Task<Sh.Result>>();
        foreach (var lie in lies)
        {
            forging.Add(GuardLab.ExecAsync(lab, "client", [GuardLab.LabTool, "forge", .. lie]));
            await Task.Delay(200);
        }
        foreach (var forged in await Task.WhenAll(forging)) Assert.AreEqual(0, forged.ExitCode, forged.ToString());

        var udp = await stream.ResultAsync();
        var status = GuardLab.Status(config);
        var events = GuardLab.Events(status);
        var servers = string.Join(",", udp.GetProperty("servers").EnumerateObject().Select(p => $"{p.Name}: {p.Value}"));
        Assert.IsTrue(servers.StartsWith("master:", StringComparison.Ordinal) && !servers.Contains(',', StringComparison.Ordinal), $"only the master answered the VIP ({servers}):\n{string.Join("\n", events)}");
        Assert.IsLessThanOrEqualTo(udp.GetProperty("sent").GetInt32() / 100, udp.GetProperty("lost").GetInt32(), $"the VIP kept serving: {udp}");
        Assert.AreEqual("master", lab.ServingServer());

        Assert.AreEqual("master", status.GetProperty("active").GetString(), string.Join("\n", events));
        Assert.AreEqual(0, status.GetProperty("failovers").GetInt32(), string.Join("\n", events));
        foreach (var server in status.GetProperty("servers").EnumerateArray())
        {
            Assert.AreEqual("up", server.GetProperty("health").GetString(), $"{server}\n{string.Join("\n", events)}");
            Assert.AreEqual(lab.MacOf(server.GetProperty("name").GetString()!), server.GetProperty("mac").GetString(), "the forged MAC was not taken");
        }
        Assert.IsFalse(events.Any(e => e.StartsWith("health_down", StringComparison.Ordinal) || e.StartsWith("failover", StringComparison.Ordinal) || e.StartsWith("mac_changed", StringComparison.Ordinal)), string.Join("\n", events));
        var neighbour = Sh.Run("ip", "neigh", "show", master, "dev", lab.Name + "-br").Output;
        Assert.DoesNotContain(MadeUp, neighbour, "the box's own neighbour entry for the master");

        // The counters are read every 5 s.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(12);
        string metrics;
        string[] expected = ["mac/master", "mac/management", "arp/master", "arp/slave", "arp/management", "arp/vip", "ipv4/master", "ipv4/management", "ipv4/vip"];
        string[] missing;
        do
        {
            metrics = GuardLab.Metrics(lab);
            missing = [.. expected.Where(e => GuardLab.Dropped(metrics, e.Split('/')[0], e.Split('/')[1]) <= 0)];
            if (missing.Length == 0) break;
            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);
        Assert.IsEmpty(missing, $"no drops counted for {string.Join(", ", missing)}:\n{metrics}");
        var dropped = GuardLab.Status(config).GetProperty("dropped");
        Assert.IsGreaterThan(0, dropped.GetProperty("arp").GetInt64(), dropped.ToString());
    }

    [TestMethod]
    public async Task AReplacedServerNicIsFollowedWithinSecondsAndShownAsAnEvent()
    {
        using var lab = GuardLab.Up();
        var config = lab.WriteConfig("probe=http");
        using var firmware = Firmware.StartOn(lab, config);
        lab.WaitServing("master", Settle);
        await WaitAllHealthyAsync(config);

        var master = lab.AddressOf("master");
        var oldMac = lab.MacOf("master");
        const string newMac = "02:00:c6:13:be:71";
        // The NIC swap: another MAC on the same port and address, announced as a real system does.
        Assert.AreEqual(0, lab.Exec("master", "ip", "link", "set", "dev", "eth0", "address", newMac).ExitCode);
        var swapped = DateTime.UtcNow;
        var announce = lab.Exec("master", "arping", "-U", "-c", "2", "-i", "eth0", "-S", master, master);
        // Nobody answers an announcement: arping exits 1 having sent it.
        StringAssert.Contains(announce.Output, "2 packets transmitted", announce.ToString());

        JsonElement status;
        do
        {
            status = GuardLab.Status(config);
            if (status.GetProperty("servers")[0].GetProperty("mac").GetString() == newMac) break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow - swapped < TimeSpan.FromSeconds(5));
        Assert.AreEqual(newMac, status.GetProperty("servers")[0].GetProperty("mac").GetString(), string.Join("\n", GuardLab.Events(status)));
        Assert.IsLessThan(3.0, (DateTime.UtcNow - swapped).TotalSeconds, "followed within a few seconds");
        CollectionAssert.Contains(GuardLab.Events(status), $"mac_changed: master's MAC changed from {oldMac} to {newMac}");
        lab.WaitServing("master", Settle);
        StringAssert.Contains(firmware.Log, $"master's MAC changed from {oldMac} to {newMac}");
    }

    private static string[] Forge(string type, params string[] options) => ["--type", type, .. options, "--count", "400", "--interval", "10ms"];

    private static async Task WaitAllHealthyAsync(string config)
    {
        var deadline = DateTime.UtcNow + Settle;
        while (DateTime.UtcNow < deadline)
        {
            var status = GuardLab.Status(config);
            if (status.GetProperty("servers").EnumerateArray().All(s => s.GetProperty("health").GetString() == "up")) return;
            await Task.Delay(200);
        }
        throw new AssertFailedException("the servers never all passed their probes");
    }
}
