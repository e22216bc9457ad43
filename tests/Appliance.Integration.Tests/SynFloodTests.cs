using System.Globalization;
using System.Text.RegularExpressions;

namespace Appliance.Integration.Tests;

/// <summary>
/// A SYN flood to the VIP from the office port (issue 12, item 11): the server's conntrack zone
/// fills up to its limit and no further, a client whose connection was already open keeps being
/// served through the VIP all along, and the health probes (which use no zone) do not notice.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed partial class SynFloodTests
{
    private const int Limit = 1000;

    [TestMethod]
    public async Task AnEstablishedClientIsServedThroughAFloodAndTheZoneStopsAtItsLimit()
    {
        using var lab = GuardLab.Up();
        // The lab's own zones (tools/lab bounds them at 65536): the servers' and the pin zone, here at a
        // limit a flood reaches in a second, as appliance-bridge would set service.conntrack_limit on the box.
        var zone = lab.Plan.ConntrackZone;
        var config = lab.WriteConfig("probe=http");
        var zones = $"{zone}-{zone + 2}";
        Sh.Check(Path.Combine(Sh.RepositoryRoot, "ovs-config/ct-limits"), "--datapath", "netdev", "--zones", zones, "--limit", Limit.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var firmware = Firmware.StartOn(lab, config);
            lab.WaitServing("master", TimeSpan.FromSeconds(10));

            // One keep-alive connection, a request every 100 ms for 7 s; curl reports per request its status and whether it had to connect.
            var url = $"http://{lab.Vip}/health";
            var client = GuardLab.ExecAsync(lab, "client", "sh", "-c",
                $"curl -s -m 2 --rate 10/s -w '%{{stderr}}%{{http_code}} %{{num_connects}}\\n' {string.Join(' ', Enumerable.Repeat(url, 70))} >/dev/null");
            await Task.Delay(1000);
            var flood = await GuardLab.ExecAsync(lab, "client", GuardLab.LabTool, "syn-flood", "--target", $"{lab.Vip}:80", "--eth-dst", lab.Vmac, "--rate", "3000", "--duration", "4s");
            Assert.AreEqual(0, flood.ExitCode, flood.ToString());
            var count = ZoneCount(zone);
            var served = await client;

            var answers = served.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.HasCount(70, answers, served.ToString());
            Assert.IsTrue(answers.All(a => a.StartsWith("200 ", StringComparison.Ordinal)), $"every request answered:\n{served.Error}");
            Assert.AreEqual(1, answers.Sum(a => int.Parse(a.Split(' ')[1], CultureInfo.InvariantCulture)), $"one connection, opened before the flood:\n{served.Error}");
            Assert.IsTrue(count is >= Limit - 5 and <= Limit, $"the master's zone {zone} holds {count} connections after {flood.Output.Trim()}; its limit is {Limit}");

            var status = GuardLab.Status(config);
            Assert.AreEqual(0, status.GetProperty("failovers").GetInt32(), string.Join("\n", GuardLab.Events(status)));
            Assert.IsTrue(status.GetProperty("servers").EnumerateArray().All(s => s.GetProperty("health").GetString() == "up"), status.ToString());
            // What the limit costs, as docs/configuration.md says: while the zone is full, no new connection to the master opens.
            Assert.IsNull(lab.ServingServer(), "a new connection while the flood's entries fill the zone");
        }
        finally
        {
            // Back to the lab's own limit; tools/lab down lifts it and flushes the zones.
            Sh.Try(Path.Combine(Sh.RepositoryRoot, "ovs-config/ct-limits"), "--datapath", "netdev", "--zones", zones, "--limit", "65536");
        }
    }

    private static int ZoneCount(int zone)
    {
        var limits = Sh.Check("ovs-appctl", "dpctl/ct-get-limits", "netdev@ovs-netdev", $"zone={zone}");
        var match = ZoneLine().Match(limits);
        Assert.IsTrue(match.Success, limits);
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"zone=\d+,limit=\d+,count=(\d+)")]
    private static partial Regex ZoneLine();
}
