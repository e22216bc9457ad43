using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RegexMatch = System.Text.RegularExpressions.Match;

namespace Appliance.Bench;

/// <summary>
/// <c>tools/bench paper</c>: the study's own measurements (shared/PAPER.md) on a lab with the real
/// firmware, written beside the study's per-run figures as its Tables 5–8.
/// <list type="bullet">
/// <item>Downtime and failback: a client asks the VIP for the server's time (<c>GET /time</c>)
/// continuously; every server logs each answer with its time (nginx <c>$msec</c>). Downtime = first
/// slave log − last master log around a master link pull; failback = first master log − last
/// slave log around its return.</item>
/// <item>UDP loss: iperf2 (<c>iperf -c VIP -u</c>, its default 1.05 Mbit/s, 1470-byte datagrams)
/// for 20 s, without and with a master link pull in the middle, read from iperf's server side.</item>
/// </list>
/// </summary>
internal static partial class PaperBench
{
    // The study's per-run figures (PAPER.md), in ms and %.
    private static readonly double[] StudyDowntime = [1010, 1060, 770, 700, 1000, 500, 830, 910, 570, 910];
    private static readonly double[] StudyFailback = [1120, 1050, 560, 800, 1100, 550, 730, 850, 930, 960];
    private static readonly double[] StudyLossNoFailover = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly double[] StudyLossFailover = [6.3, 5.0, 6.3, 4.4, 6.6, 6.3, 6.8, 4.1, 4.0, 6.2];

    // The request client: one http-loop, a new TCP connection per request, a request started every
    // RequestInterval; one that gets no answer within RequestTimeout is given up and the next sent.
    private static readonly TimeSpan RequestInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMilliseconds(20);
    private const int IperfPort = 5002;

    private sealed record LogLine(double UnixMs, string Server, string Raw);

    private sealed record DowntimeRun(double? DowntimeMs, double? FailbackMs, double? ClientDownMs, double? ClientBackMs, int Requests, int Failed);

    private sealed record IperfRun(int Sent, int ReportLost, int ReportTotal, int Received, double? FailoverAtS)
    {
        /// <summary>What iperf's server report (the one that comes back to the client) says.</summary>
        public double ReportPct => ReportTotal > 0 ? 100.0 * ReportLost / ReportTotal : double.NaN;

        /// <summary>Datagrams that reached neither server: total (by sequence) − received by master and slave.</summary>
        public int Lost => Math.Max(0, ReportTotal - Received);

        public double LostPct => ReportTotal > 0 ? 100.0 * Lost / ReportTotal : double.NaN;
    }

    public static async Task<int> RunAsync(int runs, string outputDir, int iperfSeconds)
    {
        var rawDir = Path.Combine(outputDir, "paper");
        if (Directory.Exists(rawDir)) Directory.Delete(rawDir, recursive: true);
        Directory.CreateDirectory(rawDir);
        var loadBefore = Host.Load();
        Console.WriteLine($"paper benchmark: {runs} runs of each measurement, iperf {iperfSeconds} s; load {loadBefore}");

        var downtime = new List<DowntimeRun>();
        var quiet = new List<IperfRun>();
        var failover = new List<IperfRun>();
        using (var lab = Lab.Up("paper", "198.19.251"))
        {
            // The firmware as shipped (lab config defaults: http probes every 20 ms, fall 3, rise 3,
            // automatic failback), except the flap hold-down: see the report.
            var config = lab.WriteConfig("hold=off");
            Firmware? firmware = null;
            try
            {
                firmware = Firmware.StartOn(lab, config);
                lab.WaitServing("master", TimeSpan.FromSeconds(10));
                for (var i = 1; i <= runs; i++) downtime.Add(await DowntimeRunAsync(lab, i, rawDir));
                for (var i = 1; i <= runs; i++) quiet.Add(await IperfRunAsync(lab, i, iperfSeconds, withFailover: false, rawDir));
                for (var i = 1; i <= runs; i++) failover.Add(await IperfRunAsync(lab, i, iperfSeconds, withFailover: true, rawDir));
                await File.WriteAllTextAsync(Path.Combine(rawDir, "firmware.log"), firmware.Log);
            }
            finally
            {
                firmware?.Dispose();
                File.Delete(config);
            }
        }
        var loadAfter = Host.Load();

        WriteCsv(rawDir, downtime, quiet, failover);
        var plot = Plot(outputDir, rawDir, downtime);
        var report = Report(runs, iperfSeconds, downtime, quiet, failover, loadBefore, loadAfter, plot);
        var output = Path.Combine(outputDir, "paper.md");
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine(report);
        Console.WriteLine($"wrote {output}, {Path.Combine(outputDir, "paper.png")} and {rawDir}/");
        return 0;
    }

    // ------------------------------------------------------------------ downtime and failback

    private static async Task<DowntimeRun> DowntimeRunAsync(Lab lab, int run, string rawDir)
    {
        var logs = new Dictionary<string, string> { ["master"] = lab.AccessLogOf("master"), ["slave"] = lab.AccessLogOf("slave") };
        var offsets = logs.ToDictionary(kv => kv.Key, kv => new FileInfo(kv.Value).Length);
        var json = Path.Combine(Path.GetTempPath(), $"paper-http-{Guid.NewGuid():n}.json");
        using var client = Background.InHost(lab, "client", "chrt", "-f", "10", Host.LabTool, "http-loop",
            "--url", $"http://{lab.Vip}/time", "--duration", "0",
            "--interval", $"{RequestInterval.TotalMilliseconds}ms", "--timeout", $"{RequestTimeout.TotalMilliseconds}ms", "--live", "--json", json);
        // The client takes a while to start on a busy machine (its first requests compile the HTTP stack):
        // the fault comes 1 s after the master has logged its 20th request of this run.
        var ready = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (ReadLog(logs["master"], offsets["master"], "master", lab.AddressOf("client")).Count < 20)
        {
            if (DateTime.UtcNow > ready || client.HasExited) throw new LabException($"the request client did not get going:\n{client.Output}");
            await Task.Delay(50);
        }
        await Task.Delay(1000);
        var downAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lab.Fault("link-down", "master");
        await Task.Delay(1500);
        var upAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lab.Fault("link-up", "master");
        await Task.Delay(1000);
        client.Signal("TERM");
        await client.WaitExitAsync(TimeSpan.FromSeconds(20));
        // nginx writes its log line when the answer has gone: give the last ones a moment.
        await Task.Delay(200);

        var lines = new List<LogLine>();
        foreach (var (server, path) in logs) lines.AddRange(ReadLog(path, offsets[server], server, lab.AddressOf("client")));
        lines.Sort((a, b) => a.UnixMs.CompareTo(b.UnixMs));

        // Downtime: the first slave log, and the last master log before it (the line just before it, as
        // the logs are merged in time order). Failback: the first master log after that, and the last
        // slave log before it.
        var firstSlave = lines.FindIndex(l => l.Server == "slave");
        double? down = null, back = null;
        var firstMasterAgain = firstSlave < 0 ? -1 : lines.FindIndex(firstSlave, l => l.Server == "master");
        if (firstSlave > 0) down = lines[firstSlave].UnixMs - lines[firstSlave - 1].UnixMs;
        if (firstMasterAgain > 0) back = lines[firstMasterAgain].UnixMs - lines[firstMasterAgain - 1].UnixMs;

        double? clientDown = null, clientBack = null;
        var requests = 0;
        var failed = 0;
        if (File.Exists(json))
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = doc.RootElement;
            requests = root.GetProperty("sent").GetInt32();
            failed = root.GetProperty("lost").GetInt32();
            foreach (var change in root.GetProperty("switches").EnumerateArray())
            {
                var from = change.GetProperty("from").GetString();
                var to = change.GetProperty("to").GetString();
                var outage = change.GetProperty("outage_ms").GetDouble();
                if (from == "master" && to == "slave" && clientDown is null) clientDown = outage;
                else if (from == "slave" && to == "master" && clientDown is not null && clientBack is null) clientBack = outage;
            }
            File.Delete(json);
        }

        // Raw log: every answer from 100 ms before each event to 100 ms after the switch it caused.
        var raw = new StringBuilder();
        raw.AppendLine(Host.Inv($"# run {run}: server log lines (nginx access log, first field $msec) of GET /time from the client"));
        raw.AppendLine(Host.Inv($"# master link down at {downAt / 1000.0:0.000}, up at {upAt / 1000.0:0.000} (benchmark's clock)"));
        raw.AppendLine(Host.Inv($"# downtime {Stats.F(down ?? double.NaN)} ms, failback {Stats.F(back ?? double.NaN)} ms; {lines.Count} answers logged in the run ({lines.Count(l => l.Server == "master")} master, {lines.Count(l => l.Server == "slave")} slave), first at {(lines.Count > 0 ? lines[0].UnixMs / 1000 : 0):0.000}, last at {(lines.Count > 0 ? lines[^1].UnixMs / 1000 : 0):0.000}"));
        raw.AppendLine("# the lines from 100 ms before each event to 100 ms after the switch it caused:");
        var windows = new List<(double From, double To)> { (downAt - 100, (firstSlave >= 0 ? lines[firstSlave].UnixMs : downAt + 1500) + 100) };
        windows.Add((upAt - 100, (firstMasterAgain >= 0 ? lines[firstMasterAgain].UnixMs : upAt + 1000) + 100));
        foreach (var l in lines.Where(l => windows.Any(w => l.UnixMs >= w.From && l.UnixMs <= w.To)))
        {
            raw.Append(l.Server).Append(' ').AppendLine(l.Raw);
        }
        await File.WriteAllTextAsync(Path.Combine(rawDir, Host.Inv($"downtime-{run:00}.log")), raw.ToString());

        var result = new DowntimeRun(down, back, clientDown, clientBack, requests, failed);
        Console.WriteLine($"  downtime run {run}: downtime {Stats.F(down ?? double.NaN)} ms, failback {Stats.F(back ?? double.NaN)} ms " +
                          $"(client: {Stats.F(clientDown ?? double.NaN)} / {Stats.F(clientBack ?? double.NaN)} ms; {failed}/{requests} requests failed)");
        lab.WaitServing("master", TimeSpan.FromSeconds(10));
        return result;
    }

    /// <summary>Answered <c>GET /time</c> requests from the client logged since <paramref name="offset"/>.</summary>
    private static List<LogLine> ReadLog(string path, long offset, string server, string client)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var lines = new List<LogLine>();
        while (reader.ReadLine() is { } line)
        {
            // $msec $remote_addr $remote_port $server_addr "$request" $status $body_bytes_sent $request_time
            var f = line.Split(' ');
            if (f.Length < 8 || f[1] != client || !line.Contains("\"GET /time ", StringComparison.Ordinal)) continue;
            if (f[^3] != "200") continue;
            if (!double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) continue;
            lines.Add(new LogLine(seconds * 1000, server, line));
        }
        return lines;
    }

    // ------------------------------------------------------------------ iperf

    private static async Task<IperfRun> IperfRunAsync(Lab lab, int run, int seconds, bool withFailover, string rawDir)
    {
        // iperf servers of our own on both servers, with 1 s interval reports: iperf 2.1 prints them on
        // a timer, so the master's share is known even though its session never sees the end of the
        // stream (the client's last datagram goes to the slave).
        var servers = new List<Background>();
        try
        {
            foreach (var role in new[] { "master", "slave" })
            {
                var server = Background.InHost(lab, role, "stdbuf", "-oL", "iperf", "-s", "-u", "-p", IperfPort.ToString(CultureInfo.InvariantCulture), "-i", "1");
                servers.Add(server);
                if (!await server.WaitForAsync("Server listening", TimeSpan.FromSeconds(5))) throw new LabException($"iperf server on {role} did not start:\n{server.Output}");
            }
            var clientRun = Sh.RunAsync(Host.LabScript, "exec", "--name", lab.Name, "client", "iperf", "-c", lab.Vip, "-u", "-p", IperfPort.ToString(CultureInfo.InvariantCulture), "-t", seconds.ToString(CultureInfo.InvariantCulture));
            double? failoverAt = null;
            if (withFailover)
            {
                await Task.Delay(TimeSpan.FromSeconds(seconds / 2.0));
                failoverAt = seconds / 2.0;
                lab.Fault("link-down", "master");
            }
            var client = await clientRun;
            // The interval report of the last partial second comes on the server's next tick.
            await Task.Delay(1500);
            foreach (var s in servers) s.Stop(TimeSpan.FromSeconds(1));
            if (withFailover)
            {
                lab.Fault("link-up", "master");
                lab.WaitServing("master", TimeSpan.FromSeconds(10));
            }

            var text = client.Output + client.Error;
            var sent = ParseInt(SentRegex().Match(text));
            var report = ServerReportRegex().Match(text);
            int reportLost = 0, reportTotal = 0;
            if (report.Success)
            {
                reportLost = int.Parse(report.Groups[1].Value, CultureInfo.InvariantCulture);
                reportTotal = int.Parse(report.Groups[2].Value, CultureInfo.InvariantCulture);
            }
            var received = servers.Sum(s => Received(s.Output));
            var result = new IperfRun(sent, reportLost, reportTotal, received, failoverAt);

            var kind = withFailover ? "failover" : "nofailover";
            var raw = new StringBuilder();
            raw.AppendLine(Host.Inv($"# iperf run {run} ({kind}{(withFailover ? $", master link down at {failoverAt:0.0} s" : "")}): client output, then each server's own report"));
            raw.AppendLine("## client: iperf -c VIP -u -p 5002 -t " + seconds.ToString(CultureInfo.InvariantCulture));
            raw.Append(text);
            raw.AppendLine("## master: iperf -s -u -p 5002 -i 1");
            raw.Append(servers[0].Output);
            raw.AppendLine("## slave: iperf -s -u -p 5002 -i 1");
            raw.Append(servers[1].Output);
            await File.WriteAllTextAsync(Path.Combine(rawDir, Host.Inv($"iperf-{kind}-{run:00}.txt")), raw.ToString());
            Console.WriteLine(Host.Inv($"  iperf {kind} run {run}: server report {reportLost}/{reportTotal} ({Stats.F(result.ReportPct, "0.00")} %), lost across both servers {result.Lost} ({Stats.F(result.LostPct, "0.00")} %)"));
            return result;
        }
        finally
        {
            foreach (var s in servers) s.Dispose();
        }
    }

    private static int ParseInt(RegexMatch m) => m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>
    /// Datagrams one iperf server received in its one session: from the session's summary when the
    /// stream ended there (iperf then drops the last partial interval), else (the master after a
    /// failover: its session never sees the end) the sum over its 1 s interval reports, each once.
    /// </summary>
    internal static int Received(string serverOutput)
    {
        var seen = new HashSet<(string, string)>();
        int intervals = 0, summary = -1;
        foreach (RegexMatch m in IntervalRegex().Matches(serverOutput))
        {
            var start = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var end = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            var received = Math.Max(0, int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) - int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
            if (start == 0 && end - start > 1.0005) summary = Math.Max(summary, received);
            else if (seen.Add((m.Groups[1].Value, m.Groups[2].Value))) intervals += received;
        }
        return summary >= 0 ? summary : intervals;
    }

    [GeneratedRegex(@"Sent (\d+) datagrams")]
    private static partial Regex SentRegex();

    // "[  1] 0.0000-20.0115 sec  2.50 MBytes  1.05 Mbits/sec   0.038 ms 0/1785 (0%)" after "Server Report:".
    [GeneratedRegex(@"Server Report:\s*\n(?:.*\n)?\[\s*\d+\]\s+[\d.]+-[\d.]+\s+sec.*?\s(\d+)/(\d+)\s+\(")]
    private static partial Regex ServerReportRegex();

    [GeneratedRegex(@"\]\s+([\d.]+)-([\d.]+)\s+sec.*?\s(\d+)/(\d+)\s+\(", RegexOptions.Multiline)]
    private static partial Regex IntervalRegex();

    // ------------------------------------------------------------------ report

    private static void WriteCsv(string rawDir, List<DowntimeRun> downtime, List<IperfRun> quiet, List<IperfRun> failover)
    {
        var csv = new StringBuilder("run,downtime_ms,failback_ms,client_downtime_ms,client_failback_ms,requests,requests_failed,study_downtime_ms,study_failback_ms\n");
        for (var i = 0; i < downtime.Count; i++)
        {
            var r = downtime[i];
            csv.AppendLine(Host.Inv($"{i + 1},{Csv(r.DowntimeMs)},{Csv(r.FailbackMs)},{Csv(r.ClientDownMs)},{Csv(r.ClientBackMs)},{r.Requests},{r.Failed},{Study(StudyDowntime, i)},{Study(StudyFailback, i)}"));
        }
        File.WriteAllText(Path.Combine(rawDir, "downtime.csv"), csv.ToString());
        csv = new StringBuilder("kind,run,sent,server_report_lost,server_report_total,server_report_pct,received_both_servers,lost_both_servers,lost_pct,study_pct\n");
        foreach (var (kind, list, study) in new[] { ("nofailover", quiet, StudyLossNoFailover), ("failover", failover, StudyLossFailover) })
        {
            for (var i = 0; i < list.Count; i++)
            {
                var r = list[i];
                csv.AppendLine(Host.Inv($"{kind},{i + 1},{r.Sent},{r.ReportLost},{r.ReportTotal},{Stats.F(r.ReportPct, "0.000")},{r.Received},{r.Lost},{Stats.F(r.LostPct, "0.000")},{Study(study, i)}"));
            }
        }
        File.WriteAllText(Path.Combine(rawDir, "iperf.csv"), csv.ToString());
    }

    private static string Csv(double? v) => v is null ? "" : v.Value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Study(double[] values, int i) => i < values.Length ? values[i].ToString(CultureInfo.InvariantCulture) : "";

    /// <summary>Outage per run, ours and the study's, on a log scale, drawn by gnuplot; null when gnuplot failed.</summary>
    private static string? Plot(string outputDir, string rawDir, List<DowntimeRun> downtime)
    {
        var data = new StringBuilder("# run study_downtime_ms ours_downtime_ms study_failback_ms ours_failback_ms\n");
        var n = Math.Max(downtime.Count, StudyDowntime.Length);
        for (var i = 0; i < n; i++)
        {
            string Ours(double? v) => i < downtime.Count && v is not null ? Math.Max(v.Value, 0.1).ToString("0.0", CultureInfo.InvariantCulture) : "NaN";
            data.AppendLine(Host.Inv($"{i + 1} {Study(StudyDowntime, i)} {Ours(i < downtime.Count ? downtime[i].DowntimeMs : null)} {Study(StudyFailback, i)} {Ours(i < downtime.Count ? downtime[i].FailbackMs : null)}"));
        }
        var dat = Path.Combine(rawDir, "outage.dat");
        File.WriteAllText(dat, data.ToString());
        var png = Path.GetFullPath(Path.Combine(outputDir, "paper.png"));
        var script = $"""
            # gnuplot script written by tools/bench paper; data in outage.dat beside it
            set terminal pngcairo size 960,540 font "DejaVu Sans,11"
            set output "{png}"
            set title "Outage per run: the study (Ryu + OVS 2.8) vs the appliance, same method (server logs)"
            set xlabel "run"
            set ylabel "outage (ms, log scale)"
            set logscale y
            set yrange [0.5:5000]
            set xrange [0.5:{n}.5]
            set xtics 1
            set grid ytics mytics
            set key outside right top vertical
            plot "{Path.GetFullPath(dat)}" using 1:2 with linespoints lw 2 pt 7 lc rgb "#b03030" title "study: downtime", \
                 "" using 1:4 with linespoints lw 2 pt 5 lc rgb "#e08020" title "study: failback", \
                 "" using 1:3 with linespoints lw 2 pt 7 lc rgb "#2050b0" title "appliance: downtime", \
                 "" using 1:5 with linespoints lw 2 pt 5 lc rgb "#20a0a0" title "appliance: failback"
            """;
        var gp = Path.Combine(rawDir, "plot.gp");
        File.WriteAllText(gp, script.Replace("\r", "", StringComparison.Ordinal) + "\n");
        var result = Sh.Run("gnuplot", gp);
        if (result.ExitCode != 0)
        {
            Console.Error.WriteLine($"gnuplot failed: {result}");
            return null;
        }
        return png;
    }

    private static string Report(int runs, int iperfSeconds, List<DowntimeRun> downtime, List<IperfRun> quiet, List<IperfRun> failover, string loadBefore, string loadAfter, string? plot)
    {
        var t = new StringBuilder();
        t.AppendLine("# The study's measurements on the appliance");
        t.AppendLine();
        t.AppendLine(Host.Inv($"`tools/bench paper --runs {runs}`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Machine.Describe()}."));
        t.AppendLine(Host.Inv($"Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}."));
        t.AppendLine();
        t.AppendLine("The study's method (shared/PAPER.md) on a `tools/lab` lab (`paper`, 198.19.251.0/24; master on port 1,");
        t.AppendLine("slave on port 2, client on port 4) with the real firmware: NAT mode, the lab's default configuration");
        t.AppendLine("(http probes of `/health` every 20 ms, timeout 40 ms, fall 3, rise 3, automatic failback) with");
        t.AppendLine("`hold_down: off`. The fault is the study's: the master's switch port loses its link (veth down).");
        t.AppendLine();
        t.AppendLine("- **Request client** (`labtool http-loop`): `GET /time` on the VIP (the server answers its own clock and");
        t.AppendLine(Host.Inv($"  name), a new TCP connection per request, one every {RequestInterval.TotalMilliseconds} ms, a request unanswered after {RequestTimeout.TotalMilliseconds} ms is given up and"));
        t.AppendLine("  the next one sent. **Server-side logger**: each server's nginx access log, first field `$msec` (time of");
        t.AppendLine("  the answer, ms resolution). Downtime = first slave log − last master log; failback = first master log");
        t.AppendLine("  − last slave log. Each run: link pulled 1 s after the master logged the client's 20th request, back 1.5 s later, client stopped 1 s after that.");
        t.AppendLine(Host.Inv($"- **UDP loss**: iperf 2.1.8, `iperf -c VIP -u -t {iperfSeconds}` (its default 1.05 Mbit/s, 1470-byte datagrams, ~89/s),"));
        t.AppendLine("  once with no fault and once with the master's link pulled half-way (link back after the run).");
        t.AppendLine();

        void TimeTable(string title, double[] study, Func<DowntimeRun, double?> ours, Func<DowntimeRun, double?> client)
        {
            t.AppendLine(title);
            t.AppendLine();
            t.AppendLine("| run | study (ms) | appliance (ms) | appliance, seen by the client (ms) |");
            t.AppendLine("|---|---|---|---|");
            var n = Math.Max(study.Length, downtime.Count);
            for (var i = 0; i < n; i++)
            {
                var o = i < downtime.Count ? ours(downtime[i]) : null;
                var c = i < downtime.Count ? client(downtime[i]) : null;
                t.AppendLine(Host.Inv($"| {i + 1} | {(i < study.Length ? study[i].ToString("0", CultureInfo.InvariantCulture) : "—")} | {(i < downtime.Count ? Stats.F(o ?? double.NaN) : "—")} | {(i < downtime.Count ? Stats.F(c ?? double.NaN) : "—")} |"));
            }
            var so = Stats.Of([.. downtime.Select(ours).Where(v => v is not null).Select(v => v!.Value)]);
            var sc = Stats.Of([.. downtime.Select(client).Where(v => v is not null).Select(v => v!.Value)]);
            var ss = Stats.Of(study);
            t.AppendLine(Host.Inv($"| mean | {ss.Mean:0} | **{Stats.F(so.Mean)}** | {Stats.F(sc.Mean)} |"));
            t.AppendLine(Host.Inv($"| min | {ss.Min:0} | {Stats.F(so.Min)} | {Stats.F(sc.Min)} |"));
            t.AppendLine(Host.Inv($"| max | {ss.Max:0} | {Stats.F(so.Max)} | {Stats.F(sc.Max)} |"));
            t.AppendLine();
        }

        void LossTable(string title, double[] study, List<IperfRun> ours)
        {
            t.AppendLine(title);
            t.AppendLine();
            t.AppendLine("| run | study (%) | appliance: lost across both servers (%) | lost datagrams / total | iperf's server report as returned to the client (%) |");
            t.AppendLine("|---|---|---|---|---|");
            var n = Math.Max(study.Length, ours.Count);
            for (var i = 0; i < n; i++)
            {
                var s = i < study.Length ? study[i].ToString("0.0", CultureInfo.InvariantCulture) : "—";
                if (i < ours.Count)
                {
                    var r = ours[i];
                    t.AppendLine(Host.Inv($"| {i + 1} | {s} | {Stats.F(r.LostPct, "0.00")} | {r.Lost}/{r.ReportTotal} | {Stats.F(r.ReportPct, "0.00")} |"));
                }
                else
                {
                    t.AppendLine(Host.Inv($"| {i + 1} | {s} | — | — | — |"));
                }
            }
            var so = Stats.Of([.. ours.Select(r => r.LostPct)]);
            var sr = Stats.Of([.. ours.Select(r => r.ReportPct)]);
            var sl = Stats.Of([.. ours.Select(r => (double)r.Lost)]);
            var ss = Stats.Of(study);
            t.AppendLine(Host.Inv($"| mean | {ss.Mean:0.00} | **{Stats.F(so.Mean, "0.00")}** | {Stats.F(sl.Mean, "0.0")} | {Stats.F(sr.Mean, "0.00")} |"));
            t.AppendLine(Host.Inv($"| min | {ss.Min:0.00} | {Stats.F(so.Min, "0.00")} | {Stats.F(sl.Min, "0")} | {Stats.F(sr.Min, "0.00")} |"));
            t.AppendLine(Host.Inv($"| max | {ss.Max:0.00} | {Stats.F(so.Max, "0.00")} | {Stats.F(sl.Max, "0")} | {Stats.F(sr.Max, "0.00")} |"));
            t.AppendLine();
        }

        TimeTable("## Table 5: downtime, master → slave (master's link pulled)", StudyDowntime, r => r.DowntimeMs, r => r.ClientDownMs);
        TimeTable("## Table 6: failback time, slave → master (master's link back)", StudyFailback, r => r.FailbackMs, r => r.ClientBackMs);
        LossTable(Host.Inv($"## Table 7: UDP loss without failover ({iperfSeconds} s iperf)"), StudyLossNoFailover, quiet);
        LossTable(Host.Inv($"## Table 8: UDP loss with a failover during the run ({iperfSeconds} s iperf)"), StudyLossFailover, failover);

        if (plot is not null)
        {
            t.AppendLine("![Outage per run, the study vs the appliance (log scale)](paper.png)");
            t.AppendLine();
        }
        t.AppendLine("## How to read it");
        t.AppendLine();
        t.AppendLine("- Downtime and failback are the study's definition, computed from the servers' logs. They include the");
        t.AppendLine("  request client's own reaction: a request sent into the outage is abandoned only after the client's");
        t.AppendLine(Host.Inv($"  {RequestTimeout.TotalMilliseconds} ms timeout, and the next one goes out then; with a browser or curl the lost TCP SYN would"));
        t.AppendLine("  be retransmitted by the kernel after its 1 s initial RTO (RFC 6298), so the same switch would look about");
        t.AppendLine("  1 s long to them. The column \"seen by the client\" is labtool's own figure for the same requests (first");
        t.AppendLine("  answer from the new server − last from the old one, at the client). `tools/bench failover` measures the");
        t.AppendLine("  switch itself with a 1 kHz UDP stream.");
        t.AppendLine("- Every request is a new TCP connection, so these are the downtime and failback of new connections.");
        t.AppendLine("  Established connections stay on the slave through a failback (docs/configuration.md, \"Established");
        t.AppendLine("  connections\"); `tools/bench failover` measures them apart. The iperf stream of Table 8 is one such");
        t.AppendLine("  connection: a pulled link moves it in the switch at once, as before, and it is over before the link returns.");
        t.AppendLine("- Failback needs `rise` (3) good probes after the link returns (docs/configuration.md: a link coming back alone is not");
        t.AppendLine("  enough); the slave serves until then, so a failback costs no answers at the client.");
        t.AppendLine("- **iperf's server report cannot be taken as it comes** when a failover happens mid-run: iperf2 numbers");
        t.AppendLine("  datagrams, and the report returned to the client is the slave's, which counts every datagram the master");
        t.AppendLine("  received before the failover as lost (about half of them: the last column). The loss figure we quote is");
        t.AppendLine("  the server side of both servers: datagrams sent (highest sequence number) − those the master and the slave");
        t.AppendLine("  each received, from their own 1 s interval reports (iperf 2.1 prints them on a timer, so the master's");
        t.AppendLine("  last partial second is reported although its session never ends). Without a failover the two agree.");
        t.AppendLine("- `hold_down: off`: the firmware holds a server that went down twice within a minute out of service for 5 s");
        t.AppendLine("  (doubling) after it recovers. The study pulls the link again and again; with the hold-down on, the");
        t.AppendLine("  failback figure from run 2 on would be that hold, not the mechanism.");
        t.AppendLine("- The study ran OVS 2.8.2 with the kernel datapath on a PC switch and Ryu on a laptop; this lab is OVS 3.1");
        t.AppendLine("  with the userspace datapath and namespaces on one 2-core VM, so our absolute times include that VM's");
        t.AppendLine("  scheduling noise (see the load average above).");
        t.AppendLine();
        t.AppendLine("Raw data in `paper/`: `downtime-NN.log` (the servers' log lines around each switch), `downtime.csv`,");
        t.AppendLine("`iperf-{nofailover,failover}-NN.txt` (client output and both servers' reports), `iperf.csv`,");
        t.AppendLine("`outage.dat` and `plot.gp` (the plot), `firmware.log`.");
        return t.ToString();
    }
}
