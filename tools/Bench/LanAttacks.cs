using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Bench;

/// <summary>
/// Scenarios 3 and 4 of <c>tools/bench hostile</c>: an office host (the lab's client namespace, port 4) that
/// floods the VIP with SYNs, and one that lies about who is who (forged ARP, another port's MAC as source,
/// IPv4 from another port's address), with labtool's syn-flood and forge, as the integration tests
/// (SynFloodTests, HostileLanTests) do, but as floods and with the figures kept.
/// </summary>
internal static partial class LanAttacks
{
    private const int FloodRate = 20000;
    private static readonly TimeSpan FloodFor = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan PhaseFor = TimeSpan.FromSeconds(10);
    private const string MadeUp = "02:de:ad:be:ef:01";
    private const int ForgedEach = 2500;
    private const string ForgeInterval = "2ms";

    private sealed record Phase(List<(long UnixMs, bool Ok)> Fresh, int KeptAnswered, int KeptSent, int KeptConnections, List<ApiSample> Api,
        List<(long UnixMs, int Count)> Zone, double ProbesFailed, double Failovers, string Log, long FloodStart, long FloodEnd, string FloodOutput);

    /// <summary>Scenario 3: SYNs to the VIP from the office port, and clients of the VIP meanwhile.</summary>
    public static async Task<string> SynFloodAsync(HostileLab h, int zone)
    {
        Console.WriteLine("3. SYN flood to the VIP from the office port");
        var quiet = await PhaseAsync(h, zone, flood: false);
        Console.WriteLine($"  without flood: kept {quiet.KeptAnswered}/{quiet.KeptSent}, new {quiet.Fresh.Count(f => f.Ok)}/{quiet.Fresh.Count}");
        var flooded = await PhaseAsync(h, zone, flood: true);
        Console.WriteLine($"  flood: {flooded.FloodOutput.Trim()}; kept {flooded.KeptAnswered}/{flooded.KeptSent}, new {flooded.Fresh.Count(f => f.Ok)}/{flooded.Fresh.Count}");
        // The box recovers by itself: the flood's half-open entries expire.
        var recovered = double.NaN;
        var deadline = Stopwatch.GetTimestamp() + (90 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (h.Lab.Exec("client", "curl", "-s", "-o", "/dev/null", "-m", "0.5", "-w", "%{http_code}", $"http://{h.Lab.Vip}/health").Output == "200")
            {
                recovered = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - flooded.FloodEnd) / 1000.0;
                break;
            }
            await Task.Delay(500);
        }
        Console.WriteLine($"  new connections open again {recovered:0.0} s after the flood ended");

        var rate = FloodRateLine().Match(flooded.FloodOutput);
        var peak = flooded.Zone.Count == 0 ? 0 : flooded.Zone.Max(z => z.Count);
        var full = flooded.Zone.FirstOrDefault(z => z.Count >= HostileBench.ConntrackLimit);
        var fullAt = full.UnixMs == 0 ? long.MaxValue : full.UnixMs;
        var t = new StringBuilder();
        t.AppendLine("## 3. SYN flood to the VIP from the office port");
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Tried**: `labtool syn-flood` in the office namespace, {FloodRate} SYNs/s asked for {FloodFor.TotalSeconds:0} s, to VIP:80 from random addresses and ports (each a new connection for conntrack, none ever answered). During {PhaseFor.TotalSeconds:0} s (the flood from second 1 to 9), and during the same {PhaseFor.TotalSeconds:0} s without a flood: a **keep-alive client** (one curl, one connection opened before the flood, `GET /health` 10 times a second), **new connections** (a new curl, so a new TCP connection, every ~0.1 s, 0.5 s timeout), and the API load of scenario 2. The master's conntrack zone is read every 0.25 s (`ovs-appctl dpctl/ct-get-limits`)."));
        t.AppendLine();
        var whileFull = flooded.Fresh.Where(f => f.UnixMs >= fullAt && f.UnixMs < flooded.FloodEnd).ToList();
        var box = new List<string>
        {
            peak <= HostileBench.ConntrackLimit
                ? Host.Inv($"the flood filled the master's conntrack zone to {peak} entries, {(peak == HostileBench.ConntrackLimit ? "its limit, and no further" : "below its limit")}")
                : Host.Inv($"**the master's zone held {peak} entries, more than its limit**"),
            flooded.KeptAnswered == flooded.KeptSent && flooded.KeptConnections <= 1
                ? "the client whose connection was open before the flood was served throughout, on that one connection"
                : Host.Inv($"**the client whose connection was open before the flood got {flooded.KeptAnswered} of {flooded.KeptSent} answers ({flooded.KeptConnections} connections)**"),
            whileFull.Count == 0 ? "no new connection was tried while the zone was full"
                : whileFull.Any(f => f.Ok) ? Host.Inv($"new connections while the zone was full: {Rate(whileFull)}")
                : "new connections to the VIP failed while the zone was full (the documented cost of the limit, docs/configuration.md)",
            double.IsNaN(recovered) ? "**new connections did not open again within 90 s after the flood**" : Host.Inv($"they opened again {recovered:0.0} s after the flood ended, when its half-open entries expired"),
            flooded.Failovers == 0 && Downs(flooded.Log) == 0 ? "the probes (which use no zone) kept both servers up: no failover" : Host.Inv($"**{Downs(flooded.Log)} health-down or failover events, {flooded.Failovers:0} failovers**"),
        };
        t.AppendLine($"**The box**: {string.Join("; ", box)}.");
        t.AppendLine();
        t.AppendLine("| figure | no flood | flood |");
        t.AppendLine("|---|---|---|");
        t.AppendLine(Host.Inv($"| flood sent | — | {(rate.Success ? $"{rate.Groups[1].Value} SYNs in {rate.Groups[2].Value} s, **{rate.Groups[3].Value}/s**" : flooded.FloodOutput.Trim())} |"));
        t.AppendLine(Host.Inv($"| conntrack entries in the master's zone, highest (limit {HostileBench.ConntrackLimit}) | {(quiet.Zone.Count == 0 ? 0 : quiet.Zone.Max(z => z.Count))} | **{peak}**{(full.UnixMs == 0 ? ", limit not reached" : Host.Inv($", full {(full.UnixMs - flooded.FloodStart) / 1000.0:0.0} s after the flood began"))} |"));
        t.AppendLine(Host.Inv($"| keep-alive client: answered / requests (connections it opened) | {quiet.KeptAnswered}/{quiet.KeptSent} ({quiet.KeptConnections}) | **{flooded.KeptAnswered}/{flooded.KeptSent}** ({flooded.KeptConnections}) |"));
        t.AppendLine(Host.Inv($"| new connections, whole phase: answered / tried | {Rate(quiet.Fresh)} | {Rate(flooded.Fresh)} |"));
        t.AppendLine(Host.Inv($"| new connections during the flood, before the zone was full | — | {Rate(flooded.Fresh.Where(f => f.UnixMs >= flooded.FloodStart && f.UnixMs < Math.Min(fullAt, flooded.FloodEnd)))} |"));
        t.AppendLine(Host.Inv($"| new connections while the zone was full (during the flood) | — | {Rate(flooded.Fresh.Where(f => f.UnixMs >= fullAt && f.UnixMs < flooded.FloodEnd))} |"));
        t.AppendLine(Host.Inv($"| new connections open again after the flood ended | — | {(double.IsNaN(recovered) ? "**not within 90 s**" : Host.Inv($"{recovered:0.0} s after"))} |"));
        var qLoop = ApiLoad.Figures(quiet.Api, ApiLoad.Failback);
        var fLoop = ApiLoad.Figures(flooded.Api, ApiLoad.Failback);
        t.AppendLine(Host.Inv($"| API, controller loop (`POST /api/failback`) median / p99 / max | {qLoop.Median:0.0} / {qLoop.P99:0.0} / {qLoop.Max:0.0} ms | {fLoop.Median:0.0} / {fLoop.P99:0.0} / {fLoop.Max:0.0} ms |"));
        t.AppendLine(Host.Inv($"| probes that failed (of ~1000 in 10 s); failovers; health-down, failover or MAC-change events in the log | {quiet.ProbesFailed:0}; {quiet.Failovers:0}; {Downs(quiet.Log)} | {flooded.ProbesFailed:0}; **{flooded.Failovers:0}**; **{Downs(flooded.Log)}** |"));
        t.AppendLine();
        t.AppendLine("Issue 12 suspected that a SYN flood could fill the whole connection table (no limit per zone); it gave no figure from before");
        t.AppendLine("the fix. Failed probes under the flood are 40 ms probe timeouts on a two-core machine that also runs the flood, the switch");
        t.AppendLine("(userspace datapath) and the clients; a server is marked down after three in a row (fall 3).");
        t.AppendLine();
        return t.ToString();
    }

    private static async Task<Phase> PhaseAsync(HostileLab h, int zone, bool flood)
    {
        var lab = h.Lab;
        var url = $"http://{lab.Vip}/health";
        var requests = (int)(PhaseFor.TotalSeconds * 10);
        var metricsBefore = await h.Api.GetAsync("metrics");
        var logFrom = h.Firmware.Log.Length;
        using var stopApi = new CancellationTokenSource();
        var api = h.Api.RunAsync(TimeSpan.FromMilliseconds(25), stopApi.Token);
        using var stopZone = new CancellationTokenSource();
        var zoneSamples = SampleZoneAsync(zone, stopZone.Token);
        using var kept = Background.InHost(lab, "client", "sh", "-c",
            $"curl -s -m 2 --rate 10/s -w '%{{stderr}}%{{http_code}} %{{num_connects}}\\n' {string.Join(' ', Enumerable.Repeat(url, requests))} >/dev/null");
        using var fresh = Background.InHost(lab, "client", "bash", "-c",
            $"end=$((SECONDS + {PhaseFor.TotalSeconds:0})); while ((SECONDS < end)); do t=$(date +%s%3N); c=$(curl -s -o /dev/null -m 0.5 -w '%{{http_code}}' {url}); echo \"fresh $t $c\"; sleep 0.1; done");
        long floodStart = 0, floodEnd = 0;
        var floodOutput = "";
        if (flood)
        {
            await Task.Delay(1000);
            floodStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var result = await Sh.RunAsync(Host.LabScript, "exec", "--name", lab.Name, "client", Host.LabTool, "syn-flood",
                "--target", $"{lab.Vip}:80", "--eth-dst", lab.Vmac, "--rate", FloodRate.ToString(CultureInfo.InvariantCulture), "--duration", $"{FloodFor.TotalSeconds:0}s");
            floodEnd = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            floodOutput = result.Output + result.Error;
        }
        await kept.WaitExitAsync(TimeSpan.FromSeconds(60));
        await fresh.WaitExitAsync(TimeSpan.FromSeconds(30));
        await stopApi.CancelAsync();
        await stopZone.CancelAsync();
        var metricsAfter = await h.Api.GetAsync("metrics");

        var answers = kept.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).Where(p => p.Length == 2).ToList();
        var freshLines = FreshLine().Matches(fresh.Output).Select(m => (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value == "200")).ToList();
        return new Phase(freshLines, answers.Count(a => a[0] == "200"), requests, answers.Sum(a => int.TryParse(a[1], out var n) ? n : 0), await api, await zoneSamples,
            ProbesFailed(metricsAfter) - ProbesFailed(metricsBefore),
            HostileLab.Metric(metricsAfter, "appliance_failovers_total") - HostileLab.Metric(metricsBefore, "appliance_failovers_total"),
            h.Firmware.Log[logFrom..], floodStart, floodEnd, floodOutput);
    }

    private static async Task<List<(long, int)>> SampleZoneAsync(int zone, CancellationToken stop)
    {
        var samples = new List<(long, int)>();
        while (!stop.IsCancellationRequested)
        {
            var limits = (await Sh.RunAsync("ovs-appctl", "dpctl/ct-get-limits", $"zone={zone}")).Output;
            if (ZoneLine().Match(limits) is { Success: true } m) samples.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
            try
            {
                await Task.Delay(250, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return samples;
    }

    private static double ProbesFailed(string metrics) =>
        Regex.Matches(metrics, "^appliance_probes_total\\{server=\"[^\"]+\",result=\"failed\"\\} (\\d+)$", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>Health-down, failover and MAC-change events in the firmware's log lines.</summary>
    private static int Downs(string log) => HealthDownLine().Matches(log).Count;

    private static string Rate(IEnumerable<(long UnixMs, bool Ok)> attempts)
    {
        var list = attempts.ToList();
        return list.Count == 0 ? "—" : Host.Inv($"{list.Count(a => a.Ok)}/{list.Count} ({100.0 * list.Count(a => a.Ok) / list.Count:0} %)");
    }

    /// <summary>Scenario 4: every lie an office host can tell about the servers, the box and the VIP, as floods, while the VIP is used.</summary>
    public static async Task<string> SpoofingAsync(HostileLab h)
    {
        Console.WriteLine("4. spoofing floods from the office port");
        var lab = h.Lab;
        var master = lab.AddressOf("master");
        var masterMac = lab.MacOf("master");
        var management = lab.Management;
        var managementMac = lab.ManagementMac;
        var client = lab.AddressOf("client");
        (string What, string Counter, string[] Args)[] lies =
        [
            ("ARP reply, broadcast: the master's address is at a made-up MAC", "arp/master", ["--type", "arp-reply", "--spa", master, "--sha", MadeUp]),
            ("the same, sent to the box's management MAC", "arp/master", ["--type", "arp-reply", "--spa", master, "--sha", MadeUp, "--eth-dst", managementMac, "--tpa", management, "--tha", managementMac]),
            ("ARP request claiming the slave's address", "arp/slave", ["--type", "arp-request", "--spa", lab.AddressOf("slave"), "--sha", MadeUp]),
            ("ARP reply claiming the management address", "arp/management", ["--type", "arp-reply", "--spa", management, "--sha", MadeUp]),
            ("ARP reply claiming the VIP", "arp/vip", ["--type", "arp-reply", "--spa", lab.Vip, "--sha", MadeUp]),
            ("UDP with the master's MAC as source", "mac/master", ["--type", "udp", "--eth-src", masterMac, "--src", client, "--dst", management]),
            ("UDP with the box's management MAC as source", "mac/management", ["--type", "udp", "--eth-src", managementMac, "--src", client, "--dst", master]),
            ("IPv4 from the master's address", "ipv4/master", ["--type", "udp", "--src", master, "--dst", management]),
            ("IPv4 from the management address", "ipv4/management", ["--type", "udp", "--src", management, "--dst", master]),
            ("IPv4 from the VIP", "ipv4/vip", ["--type", "udp", "--src", lab.Vip, "--dst", lab.AddressOf("slave")]),
        ];
        var before = Guards(await h.Api.GetAsync("metrics"));
        var failoversBefore = await h.MetricAsync("appliance_failovers_total");
        var logFrom = h.Firmware.Log.Length;
        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(9));
        await Task.Delay(1000);
        var forging = new List<Task<Sh.Result>>();
        foreach (var lie in lies)
        {
            forging.Add(Sh.RunAsync(Host.LabScript, ["exec", "--name", lab.Name, "client", Host.LabTool, "forge", .. lie.Args, "--count", ForgedEach.ToString(CultureInfo.InvariantCulture), "--interval", ForgeInterval]));
            await Task.Delay(100);
        }
        var forged = await Task.WhenAll(forging);
        var udp = await stream.ResultAsync();
        var sent = lies.Select((l, i) => (l.Counter, Sent: forged[i].ExitCode == 0 && SentLine().Match(forged[i].Output) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0)).ToList();
        var expected = sent.GroupBy(s => s.Counter).ToDictionary(g => g.Key, g => g.Sum(s => s.Sent));

        // The counters are read from the switch every 5 s.
        Dictionary<string, double> after;
        var wait = Stopwatch.StartNew();
        do
        {
            await Task.Delay(1000);
            after = Guards(await h.Api.GetAsync("metrics"));
        }
        while (expected.Any(e => Delta(before, after, e.Key) < e.Value) && wait.Elapsed < TimeSpan.FromSeconds(15));
        var status = await h.StatusAsync();
        var log = h.Firmware.Log[logFrom..];
        var failovers = await h.MetricAsync("appliance_failovers_total") - failoversBefore;
        var health = string.Join(", ", status.GetProperty("servers").EnumerateArray().Select(s => $"{s.GetProperty("name").GetString()} {s.GetProperty("health").GetString()}"));
        var macsKept = status.GetProperty("servers").EnumerateArray().All(s => s.GetProperty("mac").GetString() == lab.MacOf(s.GetProperty("name").GetString()!));
        var neighbour = Sh.Run("ip", "neigh", "show", master, "dev", lab.Bridge).Output;
        var servers = string.Join(", ", udp.GetProperty("servers").EnumerateObject().Select(p => $"{p.Name} {p.Value}"));
        Console.WriteLine($"  forged {sent.Sum(s => s.Sent)} frames; dropped {expected.Sum(e => Delta(before, after, e.Key))}; UDP {udp.GetProperty("lost").GetInt32()}/{udp.GetProperty("sent").GetInt32()} lost; failovers {failovers}");

        var t = new StringBuilder();
        t.AppendLine("## 4. Spoofing floods from the office port");
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Tried**: ten `labtool forge` processes in the office namespace at once, each sending {ForgedEach} frames, one every {ForgeInterval.Replace("ms", " ms", StringComparison.Ordinal)} (~{10 * 1000 / int.Parse(ForgeInterval.TrimEnd('m', 's'), CultureInfo.InvariantCulture)} frames/s together), with every lie issue 12 lists: forged ARP for the servers, the management address and the VIP, another port's MAC as source, IPv4 from another port's address; meanwhile a 1 kHz UDP stream from the office client to the VIP."));
        t.AppendLine();
        var totalSent = sent.Sum(s => s.Sent);
        var totalDropped = expected.Keys.Sum(k => Delta(before, after, k));
        var lost = udp.GetProperty("lost").GetInt32();
        var downs = Downs(log);
        var spoofBox = new List<string>
        {
            totalDropped >= totalSent
                ? "the switch's ingress guard dropped every forged frame at the office port and counted it (`appliance_guard_dropped_packets_total{guard,owner}`, read from the switch every 5 s)"
                : Host.Inv($"the switch's ingress guard counted **{totalDropped:0} of the {totalSent} forged frames** as dropped (`appliance_guard_dropped_packets_total{{guard,owner}}`, read from the switch every 5 s; a frame the loaded userspace switch lost before its rules is not counted)"),
            Host.Inv($"the VIP kept serving from the master ({servers} answers; {(lost == 0 ? "**no datagram lost**" : $"**{lost} of {udp.GetProperty("sent").GetInt32()} datagrams lost**")})"),
            Host.Inv($"health after the flood: {health}; {(failovers == 0 && downs == 0 ? "no health-down event and no failover" : $"**{downs} health-down or failover events, {failovers:0} failovers**")}"),
            Host.Inv($"the servers' MACs {(macsKept ? "unchanged" : "**changed**")}; the box's own neighbour entry for the master {(neighbour.Contains(MadeUp, StringComparison.Ordinal) ? "**poisoned**" : "not poisoned")}"),
        };
        t.AppendLine($"**The box**: {string.Join("; ", spoofBox)}.");
        t.AppendLine();
        t.AppendLine("| lie | frames sent | guard counter | counter rise |");
        t.AppendLine("|---|---|---|---|");
        foreach (var group in lies.Select((l, i) => (l.What, l.Counter, sent[i].Sent)).GroupBy(l => l.Counter))
        {
            var (guard, owner) = (group.Key.Split('/')[0], group.Key.Split('/')[1]);
            t.AppendLine(Host.Inv($"| {string.Join("; ", group.Select(l => l.What))} | {group.Sum(l => l.Sent)} | `guard=\"{guard}\",owner=\"{owner}\"` | **{Delta(before, after, group.Key):0}** |"));
        }
        t.AppendLine(Host.Inv($"| all | {totalSent} | | **{totalDropped:0}** ({(totalSent == 0 ? 0 : 100.0 * totalDropped / totalSent):0.0} %) |"));
        t.AppendLine();
        t.AppendLine("Before the fix (issue 12): forged ARP replies from the office port poisoned the box's neighbour entry for a server, its probes");
        t.AppendLine("timed out and the master was held out of service for as long as the flood lasted; frames with a server's MAC as source");
        t.AppendLine("moved that MAC to the office port and the master was failed over. Nothing was counted. What the box cannot protect:");
        t.AppendLine("hosts on the same office switch hear each other without the box (docs/configuration.md).");
        t.AppendLine();
        return t.ToString();
    }

    private static Dictionary<string, double> Guards(string metrics) =>
        GuardLine().Matches(metrics).ToDictionary(m => $"{m.Groups[1].Value}/{m.Groups[2].Value}", m => double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string key) =>
        after.GetValueOrDefault(key) - before.GetValueOrDefault(key);

    [GeneratedRegex("^appliance_guard_dropped_packets_total\\{guard=\"([a-z0-9]+)\",owner=\"([a-z0-9-]+)\"\\} (\\d+)$", RegexOptions.Multiline)]
    private static partial Regex GuardLine();

    [GeneratedRegex(@"forge: sent (\d+) x")]
    private static partial Regex SentLine();

    [GeneratedRegex(@"zone=\d+,limit=\d+,count=(\d+)")]
    private static partial Regex ZoneLine();

    [GeneratedRegex(@"^fresh (\d+) (\d+)$", RegexOptions.Multiline)]
    private static partial Regex FreshLine();

    [GeneratedRegex(@"sent (\d+) SYNs to \S+ in ([0-9.]+) s \((\d+)/s\)")]
    private static partial Regex FloodRateLine();

    [GeneratedRegex(@"\w down: |failover from|MAC changed")]
    private static partial Regex HealthDownLine();
}
