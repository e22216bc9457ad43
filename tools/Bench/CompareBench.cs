using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Appliance.Bench;

/// <summary>
/// <c>tools/bench compare</c>: the appliance beside what an office would use instead (<see cref="Contenders"/>:
/// the static fast-failover group of the study, keepalived with 1 s and 0.1 s adverts), on one lab, the
/// same faults and the same instrument, in one run.
/// Faults on the master: link down, service kill, freeze. Instrument: labtool udp-stream at 1 kHz
/// from the client to the VIP's echo responders (outage = first answer of the new server − last of
/// the old one, at the client; one datagram lost ≈ 1 ms of outage).
/// </summary>
internal static class CompareBench
{
    private const string LabName = "cmp";
    private const string LabNet = "198.19.252";

    private static readonly string[] Faults = ["link-down", "kill", "freeze"];

    private static readonly Contender Appliance = Contenders.Appliance;
    private static readonly Contender[] Peers = [Contenders.Appliance, Contenders.StaticGroup, Contenders.Keepalived1, Contenders.KeepalivedFast];

    private sealed record Run(string Peer, string Fault, int N, bool Detected, double FailoverMs, int FailoverLost, double? FailbackMs, int FailbackLost, int Sent, int Lost, int Stalls, string Note)
    {
        /// <summary>Datagrams lost in the whole return phase: the return and anything after it (a flap back to the slave).</summary>
        public int ReturnPhaseLost { get; init; }

        /// <summary>Switches back to the slave after the master had returned, in the return phase.</summary>
        public int Flaps { get; init; }

        /// <summary>The TCP view (http-loop) of the same run: outage on failover (null: no switch seen), on return.</summary>
        public double? TcpFailoverMs { get; init; }

        public double? TcpFailbackMs { get; init; }
    }

    public static async Task<int> RunAsync(int runs, string outputDir)
    {
        var rawDir = Path.Combine(outputDir, "compare");
        if (Directory.Exists(rawDir)) Directory.Delete(rawDir, recursive: true);
        Directory.CreateDirectory(rawDir);
        var loadBefore = Host.Load();
        Console.WriteLine($"compare benchmark: {runs} runs per fault and system; load {loadBefore}");
        var results = new List<Run>();
        var started = new List<Background>();
        using (var lab = Lab.Up(LabName, LabNet))
        {
            try
            {
                await Contenders.RunEachAsync(lab, Peers, rawDir, started, peer => FaultRunsAsync(lab, peer, runs, results, started, rawDir));
            }
            finally
            {
                foreach (var process in started) process.Dispose();
            }
        }
        var loadAfter = Host.Load();
        WriteCsv(rawDir, results);
        var report = Report(runs, results, loadBefore, loadAfter);
        var output = Path.Combine(outputDir, "compare.md");
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine(report);
        Console.WriteLine($"wrote {output} and {rawDir}/");
        return 0;
    }

    // ------------------------------------------------------------------ runs

    private static async Task FaultRunsAsync(Lab lab, Contender peer, int runs, List<Run> results, List<Background> started, string rawDir)
    {
        foreach (var fault in Faults)
        {
            for (var i = 1; i <= runs; i++)
            {
                var run = await OneRunAsync(lab, peer, fault, i, started, rawDir);
                results.Add(run);
                Console.WriteLine(Host.Inv($"  {peer.Key} {fault} run {i}: ") + (run.Detected
                    ? Host.Inv($"failover {Host.Ms(run.FailoverMs)} ms ({run.FailoverLost} lost), back {Host.Ms(run.FailbackMs ?? double.NaN)} ms ({run.FailbackLost} lost)")
                    : Host.Inv($"NOT DETECTED: {Host.Ms(run.FailoverMs)} ms without answers ({run.FailoverLost} lost) until the fault was undone")) +
                    Host.Inv($"; {run.Lost}/{run.Sent} lost, {run.Stalls} sender stalls; TCP {Host.Ms(run.TcpFailoverMs ?? double.NaN)} / {Host.Ms(run.TcpFailbackMs ?? double.NaN)} ms") + (run.Note.Length > 0 ? $" [{run.Note}]" : ""));
            }
        }
    }

    /// <summary>
    /// The instruments of one phase of a run, both from the client to the VIP: labtool udp-stream
    /// (1 kHz, echo on UDP 7) and labtool http-loop (a new TCP connection per request to nginx, one
    /// every 10 ms, 100 ms timeout), each stopped with SIGTERM (they still write their full report).
    /// </summary>
    private sealed class Phase
    {
        private readonly Background _udp;
        private readonly Background _http;
        private readonly string _udpJson = Path.Combine(Path.GetTempPath(), $"cmp-udp-{Guid.NewGuid():n}.json");
        private readonly string _httpJson = Path.Combine(Path.GetTempPath(), $"cmp-http-{Guid.NewGuid():n}.json");

        private Phase(Lab lab, List<Background> started)
        {
            _udp = Background.InHost(lab, "client", "chrt", "-f", "10", Host.LabTool, "udp-stream",
                "--target", $"{lab.Vip}:7", "--rate", "1000", "--duration", "120s", "--live", "--json", _udpJson);
            started.Add(_udp);
            _http = Background.InHost(lab, "client", "chrt", "-f", "10", Host.LabTool, "http-loop",
                "--url", $"http://{lab.Vip}/time", "--interval", "10ms", "--timeout", "100ms", "--duration", "120s", "--live", "--json", _httpJson);
            started.Add(_http);
        }

        public Background Udp => _udp;

        public Background Http => _http;

        public static async Task<Phase> StartAsync(Lab lab, List<Background> started)
        {
            var phase = new Phase(lab, started);
            foreach (var p in new[] { phase._udp, phase._http })
            {
                if (!await p.WaitForAsync("as they happen", TimeSpan.FromSeconds(10))) throw new LabException($"{p.What} did not start:\n{p.Output}");
            }
            return phase;
        }

        /// <summary>Stops both instruments and returns their JSON reports; the text reports go to <paramref name="rawFile"/>.</summary>
        public async Task<(JsonElement Udp, JsonElement Http)> StopAsync(string rawFile, List<Background> started)
        {
            try
            {
                _udp.Signal("TERM");
                _http.Signal("TERM");
                await _udp.WaitExitAsync(TimeSpan.FromSeconds(15));
                await _http.WaitExitAsync(TimeSpan.FromSeconds(15));
                await File.AppendAllTextAsync(rawFile, "## udp-stream\n" + _udp.Output + "## http-loop\n" + _http.Output);
                return (Read(_udpJson), Read(_httpJson));
            }
            finally
            {
                foreach (var p in new[] { _udp, _http })
                {
                    p.Dispose();
                    started.Remove(p);
                }
                File.Delete(_udpJson);
                File.Delete(_httpJson);
            }
        }

        private static JsonElement Read(string path)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.Clone();
        }
    }

    /// <summary>
    /// One run in two phases, each with fresh instruments. Phase 1: the fault, until 0.5 s after the
    /// failover (or a cap). Phase 2: the fault undone, until the master answers again. The split keeps a
    /// frozen master's late answers out of the figures: when it is thawed it answers what its socket
    /// queued, which the phase-1 instruments (already stopped) never credit: an answer that late is lost.
    /// </summary>
    private static async Task<Run> OneRunAsync(Lab lab, Contender peer, string fault, int n, List<Background> started, string rawDir)
    {
        var rawFile = Path.Combine(rawDir, Host.Inv($"{peer.Key}-{fault}-{n:00}.txt"));
        var note = "";
        try
        {
            await File.WriteAllTextAsync(rawFile, Host.Inv($"# {peer.Title}, {fault} on the master, run {n}\n# phase 1: fault at 1 s\n"));
            var first = await Phase.StartAsync(lab, started);
            await Task.Delay(1000);
            lab.Fault(fault, "master");
            var detected = await first.Udp.WaitForAsync("master -> slave", peer.DetectCap);
            await Task.Delay(500);
            var (udp1, http1) = await first.StopAsync(rawFile, started);

            await File.AppendAllTextAsync(rawFile, $"# phase 2: {Contenders.Undo(fault)} at 0.3 s\n");
            var second = await Phase.StartAsync(lab, started);
            await Task.Delay(300);
            Contenders.UndoFault(lab, peer, fault);
            if (detected)
            {
                // A contender that pins connections keeps phase 2's stream (opened on the slave) there: its
                // return is that of new connections.
                var returning = peer.Pins ? second.Http : second.Udp;
                if (!await returning.WaitForAsync("slave -> master", peer.ReturnCap)) note = Host.Inv($"not back on the master {peer.ReturnCap.TotalSeconds} s after the fault was undone");
            }
            else
            {
                await Task.Delay(1000);
            }
            await Task.Delay(peer.Settle);
            var (udp2, http2) = await second.StopAsync(rawFile, started);

            var down = LabToolReport.FirstSwitch(udp1, "master", "slave");
            var back = LabToolReport.FirstSwitch(udp2, "slave", "master");
            // No failover: the outage is the time without answers from the fault to the end of phase 1.
            var failoverMs = down?.OutageMs ?? udp1.GetProperty("longest_gap").GetProperty("ms").GetDouble();
            var failoverLost = down?.Lost ?? udp1.GetProperty("lost").GetInt32();
            return new Run(peer.Key, fault, n, down is not null, failoverMs, failoverLost, back?.OutageMs, back?.Lost ?? 0,
                udp1.GetProperty("sent").GetInt32() + udp2.GetProperty("sent").GetInt32(),
                udp1.GetProperty("lost").GetInt32() + udp2.GetProperty("lost").GetInt32(),
                udp1.GetProperty("sender_stalls").GetInt32() + udp2.GetProperty("sender_stalls").GetInt32(), note)
            {
                ReturnPhaseLost = udp2.GetProperty("lost").GetInt32(),
                Flaps = back is null ? 0 : udp2.GetProperty("switches").EnumerateArray().Count(c => c.GetProperty("from").GetString() == "master" && c.GetProperty("to").GetString() == "slave"),
                TcpFailoverMs = LabToolReport.FirstSwitch(http1, "master", "slave")?.OutageMs,
                TcpFailbackMs = LabToolReport.FirstSwitch(http2, "slave", "master")?.OutageMs,
            };
        }
        finally
        {
            Contenders.RestoreMaster(lab, peer, Host.Inv($"{peer.Key} {fault} run {n}"));
        }
    }

    // ------------------------------------------------------------------ report

    private static void WriteCsv(string rawDir, List<Run> results)
    {
        var csv = new StringBuilder("system,fault,run,detected,failover_ms,failover_lost,failback_ms,failback_lost,sent,lost,sender_stalls,tcp_failover_ms,tcp_failback_ms,return_phase_lost,flaps_after_return,note\n");
        static string O(double? v) => v is null ? "" : v.Value.ToString("0.0", CultureInfo.InvariantCulture);
        foreach (var r in results)
        {
            csv.AppendLine(Host.Inv($"{r.Peer},{r.Fault},{r.N},{(r.Detected ? "yes" : "no")},{r.FailoverMs:0.0},{r.FailoverLost},{O(r.FailbackMs)},{r.FailbackLost},{r.Sent},{r.Lost},{r.Stalls},{O(r.TcpFailoverMs)},{O(r.TcpFailbackMs)},{r.ReturnPhaseLost},{r.Flaps},\"{r.Note}\""));
        }
        File.WriteAllText(Path.Combine(rawDir, "runs.csv"), csv.ToString());
    }

    private static string Cell(IReadOnlyCollection<double> values, string format = "0.0")
    {
        var s = Stats.Of(values);
        return s.Count == 0 ? "—" : $"**{Stats.F(s.Median, format)}** ({Stats.F(s.Min, format)}–{Stats.F(s.Max, format)})";
    }

    private static string Report(int runs, List<Run> results, string loadBefore, string loadAfter)
    {
        var t = new StringBuilder();
        t.AppendLine("# The appliance beside the alternatives");
        t.AppendLine();
        t.AppendLine(Host.Inv($"`tools/bench compare --runs {runs}`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Machine.Describe()}."));
        t.AppendLine(Host.Inv($"Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}. Every system on the same lab (`cmp`,"));
        t.AppendLine("198.19.252.0/24), the same faults and the same instrument, one after the other in this one run.");
        t.AppendLine();
        t.AppendLine("**Instrument**: `labtool udp-stream` at 1 kHz from the client to VIP:7 (`chrt -f 10`), answered by the echo");
        t.AppendLine("responder of whichever server gets it. **Outage** = first answer from the new server − last answer from the");
        t.AppendLine("old one, at the client; **lost** = datagrams in between without an answer (1 datagram ≈ 1 ms). Beside it, for");
        t.AppendLine("a TCP view, `labtool http-loop`: `GET /time` on a new connection every 10 ms, 100 ms timeout. **Each run** has");
        t.AppendLine("two phases with fresh instruments: (1) the fault on the master 1 s in, stopped 0.5 s after the failover was");
        t.AppendLine("seen (or after a cap: 2 s for the appliance and the static group, 3 s / 7 s for keepalived 0.1 s / 1 s);");
        t.AppendLine("(2) the fault undone (link up, services restarted, thawed), until 0.5 s after the master answers again (6 s");
        t.AppendLine("for keepalived, see the notes). A frozen");
        t.AppendLine("master answers what its sockets queued when it is thawed; phase 1's instruments are gone by then, so those");
        t.AppendLine("late answers count as lost, as they are for a client.");
        t.AppendLine();
        Contenders.Describe(t, Peers);

        var faults = Faults;
        void Table(string title, Func<List<Run>, string> cell)
        {
            t.AppendLine(title);
            t.AppendLine();
            t.AppendLine("| fault | " + string.Join(" | ", Peers.Select(p => p.Title)) + " |");
            t.AppendLine("|---|" + string.Concat(Peers.Select(_ => "---|")));
            foreach (var fault in faults)
            {
                t.Append("| ").Append(fault).Append(" |");
                foreach (var peer in Peers)
                {
                    var rs = results.Where(r => r.Peer == peer.Key && r.Fault == fault).ToList();
                    t.Append(' ').Append(rs.Count == 0 ? "—" : cell(rs)).Append(" |");
                }
                t.AppendLine();
            }
            t.AppendLine();
        }

        string Detection(List<Run> rs)
        {
            var detected = rs.Where(r => r.Detected).ToList();
            if (detected.Count == rs.Count) return Cell([.. rs.Select(r => r.FailoverMs)]);
            var missed = rs.Where(r => !r.Detected).ToList();
            var text = Host.Inv($"not detected in {missed.Count}/{rs.Count}: ≥ {Cell([.. missed.Select(r => r.FailoverMs)])} until undone");
            if (detected.Count > 0) text += "; detected: " + Cell([.. detected.Select(r => r.FailoverMs)]);
            return text;
        }

        Table(Host.Inv($"## Outage on failover (ms): median (min–max) of {runs} run(s)"), Detection);
        Table("## Datagrams lost on failover (1 kHz: ≈ ms)", rs => Cell([.. rs.Select(r => (double)r.FailoverLost)], "0"));
        string Returned(List<Run> rs, Func<List<Run>, string> cell) =>
            rs.All(r => !r.Detected) ? "no failover, nothing to return"
            : rs.All(r => r.FailbackMs is null) && Peers.First(p => p.Key == rs[0].Peer).Pins ? "stays on the slave (pinned): no outage"
            : cell(rs);
        Table("## Outage when the master returns (ms): median (min–max)",
            rs => Returned(rs, r => Cell([.. r.Where(x => x.FailbackMs is not null).Select(x => x.FailbackMs!.Value)])));
        Table("## Datagrams lost when the master returns", rs => Returned(rs, r => Cell([.. r.Where(x => x.FailbackMs is not null).Select(x => (double)x.FailbackLost)], "0")));
        Table("## Datagrams lost in the whole return phase (the return and the seconds after it)", rs => Cell([.. rs.Select(r => (double)r.ReturnPhaseLost)], "0") + (rs.Any(r => r.Flaps > 0) ? Host.Inv($"; back to the slave after the return in {rs.Count(r => r.Flaps > 0)}/{rs.Count}") : ""));
        Table("## TCP view: outage on failover (ms), http-loop", rs => rs.All(r => r.TcpFailoverMs is null) ? "no switch seen" : Cell([.. rs.Where(r => r.TcpFailoverMs is not null).Select(r => r.TcpFailoverMs!.Value)]) + (rs.Any(r => r.TcpFailoverMs is null) ? Host.Inv($"; no switch in {rs.Count(r => r.TcpFailoverMs is null)}/{rs.Count}") : ""));
        Table("## TCP view: outage when the master returns (ms), http-loop", rs => rs.All(r => r.TcpFailbackMs is null) ? "no switch seen" : Cell([.. rs.Where(r => r.TcpFailbackMs is not null).Select(r => r.TcpFailbackMs!.Value)]) + (rs.Any(r => r.TcpFailbackMs is null) ? Host.Inv($"; no switch in {rs.Count(r => r.TcpFailbackMs is null)}/{rs.Count}") : ""));

        t.AppendLine("## Where a peer is ahead of the appliance");
        t.AppendLine();
        var ahead = new List<string>();
        foreach (var fault in faults)
        {
            var ours = results.Where(r => r.Peer == Appliance.Key && r.Fault == fault).ToList();
            if (ours.Count == 0) continue;
            foreach (var peer in Peers.Where(p => p != Appliance))
            {
                var theirs = results.Where(r => r.Peer == peer.Key && r.Fault == fault).ToList();
                if (theirs.Count == 0) continue;
                void Compare(string what, Func<Run, double?> pick, bool onlyDetected)
                {
                    var a = ours.Where(r => !onlyDetected || r.Detected).Select(pick).Where(v => v is not null).Select(v => v!.Value).ToList();
                    var b = theirs.Where(r => !onlyDetected || r.Detected).Select(pick).Where(v => v is not null).Select(v => v!.Value).ToList();
                    if (a.Count == 0 || b.Count == 0 || (onlyDetected && theirs.Any(r => !r.Detected))) return;
                    var sa = Stats.Of(a);
                    var sb = Stats.Of(b);
                    if (sb.Median + 0.5 >= sa.Median) return;
                    // Ranges that overlap: the difference is within what repeating the same run gives here.
                    var spread = sb.Max >= sa.Min ? "; within the run-to-run spread" : "";
                    ahead.Add(Host.Inv($"- {fault}, {what}: {peer.Title} {Stats.F(sb.Median)} ({Stats.F(sb.Min)}–{Stats.F(sb.Max)}) vs appliance {Stats.F(sa.Median)} ({Stats.F(sa.Min)}–{Stats.F(sa.Max)}): {Stats.F(sa.Median - sb.Median)} better (median){spread}"));
                }
                Compare("failover outage (ms)", r => r.FailoverMs, onlyDetected: true);
                Compare("datagrams lost on failover", r => r.FailoverLost, onlyDetected: true);
                Compare("outage when the master returns (ms)", r => r.FailbackMs, onlyDetected: true);
                Compare("datagrams lost when the master returns", r => r.FailbackMs is null ? null : r.FailbackLost, onlyDetected: true);
                Compare("datagrams lost in the whole return phase", r => r.FailbackMs is null ? null : r.ReturnPhaseLost, onlyDetected: true);
                Compare("TCP view, failover outage (ms)", r => r.TcpFailoverMs, onlyDetected: true);
                Compare("TCP view, outage when the master returns (ms)", r => r.TcpFailbackMs, onlyDetected: true);
            }
        }
        if (ahead.Count == 0) t.AppendLine("Nowhere, in this run (medians compared; a difference under 0.5 is not counted).");
        else
        {
            t.AppendLine("Medians compared, differences of 0.5 or more (ms or datagrams), with min–max; see the notes below for why:");
            t.AppendLine();
            foreach (var line in ahead) t.AppendLine(line);
        }
        t.AppendLine();
        var remarks = results.Where(r => r.Note.Length > 0).ToList();
        if (remarks.Count > 0)
        {
            t.AppendLine("Runs with a remark (their return is left out of the return tables):");
            t.AppendLine();
            foreach (var r in remarks) t.AppendLine(Host.Inv($"- {Peers.First(p => p.Key == r.Peer).Title}, {r.Fault}, run {r.N}: {r.Note} (raw: `compare/{r.Peer}-{r.Fault}-{r.N:00}.txt`)"));
            t.AppendLine();
        }
        t.AppendLine("## Notes");
        t.AppendLine();
        t.AppendLine("- Link down: the appliance and the static group use the same in-switch fast-failover group, so they move");
        t.AppendLine("  traffic equally fast; what is left is the userspace datapath noticing the carrier loss, plus scheduling");
        t.AppendLine("  noise on this shared VM. keepalived must first miss 3 adverts (master_down_interval = 3 × advert +");
        t.AppendLine("  skew), then move the client with gratuitous ARP.");
        t.AppendLine("- Kill and freeze: the static group watches ports only and never fails over; its outage lasts until the");
        t.AppendLine("  fault is undone (here a cap of 2 s; in an office, until someone notices). keepalived sees a killed nginx");
        t.AppendLine("  only at its next check (at most 1 s apart) and a frozen server when its adverts stop.");
        t.AppendLine("- The appliance pins connections (docs/configuration.md, Established connections): a UDP flow opened on the");
        t.AppendLine("  slave stays there when the master returns, so its return costs nothing at all and only new connections (the");
        t.AppendLine("  TCP view) go back; and a frozen master's established flow moves at `hard_down` (500 ms of silence), not at");
        t.AppendLine("  its soft-down, because a master that stalls for less keeps its connections (bench/connections.md). New");
        t.AppendLine("  connections (the TCP view) leave a frozen master within about 100 ms.");
        t.AppendLine("- Return: the appliance waits for `rise` good probes and the static group for the port, while the slave");
        t.AppendLine("  keeps serving, so a return after a link fault or a freeze costs no datagrams. keepalived preempts when the");
        t.AppendLine("  master's VRRP instance takes over again and moves the client by gratuitous ARP. A return with 0 lost but a");
        t.AppendLine("  few ms of \"outage\" is a pause in arrivals, not loss: OVS revalidates its datapath flows when a group");
        t.AppendLine("  changes (the appliance rewrites its group on failback; the static group never changes), plus VM noise.");
        t.AppendLine("- Return after kill: the appliance probes nginx (`/health`) and sends the VIP back after `rise` good probes,");
        t.AppendLine("  which is right only if nginx's health stands for every service the VIP carries. The lab starts nginx last,");
        t.AppendLine("  after the UDP echo and iperf listen, so here it does; on a real server whose services start in another");
        t.AppendLine("  order, a return could come before the slowest one answers. keepalived, whose check runs once a second");
        t.AppendLine("  and then preempts, comes back later and so is less exposed to that.");
        t.AppendLine("- keepalived's servers: the lab is brought up in DSR mode so that each server's echo responder and iperf");
        t.AppendLine("  bind the VIP, then the VIP is taken off loopback again: only the VRRP master, which keepalived gives the");
        t.AppendLine("  VIP on eth0, accepts VIP traffic; a server that is not master drops it, as in a plain keepalived set-up.");
        t.AppendLine("  (After a kill the VIP is lent to the master's loopback for the services' restart only; the client is on");
        t.AppendLine("  the slave then.)");
        t.AppendLine("- The return phase lasts 6 s after the return for keepalived: a backup that became master sends a second");
        t.AppendLine("  round of gratuitous ARPs `garp_master_delay` (5 s) after its transition; if the old master took over");
        t.AppendLine("  again within those 5 s, that late round can point the client back at the slave, which no longer holds");
        t.AppendLine("  the VIP. The table \"whole return phase\" counts what such a flap costs.");
        t.AppendLine();
        t.AppendLine("Raw data in `compare/`: `runs.csv` (every run), `SYSTEM-FAULT-NN.txt` (labtool's report of each run),");
        t.AppendLine("`static-ff-flows.txt`, `keepalived-*-{master,slave}.log`, `appliance-firmware.log`. keepalived's configuration");
        t.AppendLine("(master; the slave has priority 100):");
        t.AppendLine();
        t.AppendLine("```");
        t.Append(KeepalivedConfigForDocs());
        t.AppendLine("```");
        return t.ToString();
    }

    private static string KeepalivedConfigForDocs()
    {
        var text = new StringBuilder();
        foreach (var line in ExampleConfig().Split('\n')) text.AppendLine(line.TrimEnd());
        return text.ToString().TrimEnd() + "\n";
    }

    private static string ExampleConfig() =>
        "vrrp_script chk_nginx {\n    script \"/usr/bin/curl -sf -o /dev/null --noproxy * -m 1 http://198.19.252.1/health\"\n    interval 1\n    timeout 1\n    fall 1\n    rise 1\n}\n" +
        "vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority 150\n    advert_int 1          # 0.1 with vrrp_version 3 in global_defs\n    virtual_ipaddress {\n        198.19.252.100/24 dev eth0\n    }\n    track_script {\n        chk_nginx\n    }\n}\n";
}
