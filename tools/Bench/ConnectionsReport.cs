using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Appliance.Bench;

/// <summary>
/// One run of <c>tools/bench connections</c>, from labtool's reports: the held connections (http-hold)
/// and the new ones after the event (http-loop).
/// </summary>
/// <param name="Opened">Held connections that got at least one answer.</param>
/// <param name="Lost">Opened connections reset, closed without notice, or silent at the stop.</param>
/// <param name="Ended">Opened connections that nginx ended with "Connection: close" (its keep-alive limits): neither lost nor survived.</param>
/// <param name="LongestGapMs">The longest gap between answers on any opened connection; a lost one's runs until the client learnt it (NaN: none opened).</param>
internal sealed record HeldRun(
    string System, string Event, int N, int Connections,
    int Opened, string OpenedOn, string NotOpened,
    int Survived, int Lost, int Ended, string Outcomes,
    int StalledSurvivors, double LongestGapMs, double LongestSurvivorGapMs,
    int NewOnExpected, int NewTotal, string NewServers,
    int ClientStalls, double LongestClientStallMs, string Note)
{
    public static HeldRun From(string system, HeldEvent ev, int n, int connections, JsonElement hold, JsonElement fresh, List<string> notes)
    {
        var held = hold.GetProperty("held").EnumerateArray().Select(c => (
            Server: c.GetProperty("server").GetString(),
            Outcome: c.GetProperty("outcome").GetString()!,
            Stalls: c.GetProperty("stalls").GetInt32(),
            GapMs: c.GetProperty("longest_gap").GetProperty("ms").GetDouble())).ToList();
        var opened = held.Where(c => c.Server is not null).ToList();
        var survivors = opened.Where(c => c.Outcome == "open").ToList();
        var ended = opened.Count(c => c.Outcome == "ended");
        var elsewhere = opened.Count(c => c.Server != ev.HeldOn);
        if (elsewhere > 0) notes.Add(Host.Inv($"{elsewhere} held connection(s) opened on another server than the {ev.HeldOn}"));
        if (ended > 0) notes.Add(Host.Inv($"nginx ended {ended} held connection(s) with Connection: close"));
        var clientStalls = hold.GetProperty("client_stalls").EnumerateArray().Select(s => s.GetProperty("ms").GetDouble()).ToList();
        var longestClientStall = clientStalls.Count == 0 ? 0 : clientStalls.Max();
        if (longestClientStall >= 50) notes.Add(Host.Inv($"http-hold itself was not scheduled for {longestClientStall:0} ms once: a stall that long may be the client's"));

        var servers = fresh.GetProperty("servers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var failures = fresh.GetProperty("failures").EnumerateObject().Select(p => $"{p.Name} {p.Value.GetInt64()}");
        return new HeldRun(system, ev.Key, n, connections,
            opened.Count, Count(opened.Select(c => c.Server!)), Count(held.Where(c => c.Server is null).Select(c => c.Outcome)),
            survivors.Count, opened.Count - survivors.Count - ended, ended, Count(opened.Select(c => c.Outcome)),
            survivors.Count(c => c.Stalls > 0), opened.Count == 0 ? double.NaN : opened.Max(c => c.GapMs), survivors.Count == 0 ? double.NaN : survivors.Max(c => c.GapMs),
            servers.GetValueOrDefault(ev.Expected), fresh.GetProperty("sent").GetInt32(), string.Join(", ", servers.Select(kv => $"{kv.Key} {kv.Value}").Concat(failures)),
            clientStalls.Count, longestClientStall, string.Join("; ", notes));
    }

    /// <summary>"slave 20" or "reset 18, silent 2": how many of each.</summary>
    private static string Count(IEnumerable<string> values) =>
        string.Join(", ", values.GroupBy(v => v).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));

    public string Summary() => Host.Inv($"{System} {Event} run {N}: held {Opened}/{Connections} ({(Opened == 0 ? NotOpened : OpenedOn)}), lost {Lost} ({Outcomes}), ") +
        Host.Inv($"longest gap {Host.Ms(LongestGapMs)} ms, survivors stalled {StalledSurvivors}; new: {NewOnExpected}/{NewTotal} on the expected server ({NewServers})") +
        (Note.Length > 0 ? $" [{Note}]" : "");

    public static string Csv(IEnumerable<HeldRun> runs)
    {
        var csv = new StringBuilder("system,event,run,connections,opened,opened_on,not_opened,survived,lost,ended,outcomes,stalled_survivors,longest_gap_ms,longest_survivor_gap_ms,new_on_expected,new_total,new_servers,client_stalls,longest_client_stall_ms,note\n");
        foreach (var r in runs)
        {
            csv.AppendLine(Host.Inv($"{r.System},{r.Event},{r.N},{r.Connections},{r.Opened},\"{r.OpenedOn}\",\"{r.NotOpened}\",{r.Survived},{r.Lost},{r.Ended},\"{r.Outcomes}\",{r.StalledSurvivors},{Stats.F(r.LongestGapMs)},{Stats.F(r.LongestSurvivorGapMs)},{r.NewOnExpected},{r.NewTotal},\"{r.NewServers}\",{r.ClientStalls},{r.LongestClientStallMs:0.0},\"{r.Note}\""));
        }
        return csv.ToString();
    }
}

/// <summary>bench/connections.md: one table per figure, an event per row, a system per column.</summary>
internal static class ConnectionsReport
{
    public static string Write(int runs, int connections, int newConnections, IReadOnlyList<Contender> systems, List<HeldRun> results, List<string> failed,
        string loadBefore, string loadAfter, string labName, string labNet)
    {
        var t = new StringBuilder();
        t.AppendLine("# Established connections through failover events");
        t.AppendLine();
        t.AppendLine(Host.Inv($"`tools/bench connections --runs {runs} --connections {connections}`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Machine.Describe()}."));
        t.AppendLine(Host.Inv($"Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}. Every system on the same lab (`{labName}`,"));
        t.AppendLine(Host.Inv($"{labNet}.0/24), the same events and the same instruments, one after the other in this one run."));
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Held connections**: `labtool http-hold` opens {connections} HTTP/1.1 connections from the client to the VIP and"));
        t.AppendLine("sends `GET /time` on each every 10 ms, one request at a time, on the same connection for the whole run (`chrt -f 10`).");
        t.AppendLine("Per connection it records which server answered (nginx's `X-Server`), every gap between two answers, and");
        t.AppendLine("how the connection ended: **lost** = reset (RST), closed by the server (FIN) or **silent** (open, but no answer");
        t.AppendLine("in the last second before the stop). A **stall** is a gap between answers over 50 ms (the normal gap is ~10 ms); a");
        t.AppendLine("lost connection's last gap runs until the client learnt it was lost. **New connections**: after the event,");
        t.AppendLine(Host.Inv($"`labtool http-loop` opens up to {newConnections} new connections to the VIP in 1 s, one every 100 ms (250 ms timeout each; a"));
        t.AppendLine("slow answer delays the next, so a busy run sends fewer), and counts those answered by the server that should");
        t.AppendLine("have them now.");
        t.AppendLine();
        t.AppendLine("| event | what happens in a run |");
        t.AppendLine("|---|---|");
        foreach (var ev in HeldEvent.All) t.AppendLine($"| {ev.Title} | {ev.How} |");
        t.AppendLine();
        t.AppendLine("Each run: the held connections run 1 s, then the event; after it they are watched 1 s more (a failback: 0.5 s");
        t.AppendLine("after new connections reach the master, 6 s for keepalived), then the new connections, then the held ones'");
        t.AppendLine("report. Faults are undone after the run, and each run starts with the master serving the VIP.");
        t.AppendLine();
        Contenders.Describe(t, systems);

        void Table(string title, Func<List<HeldRun>, string> cell, Func<HeldEvent, string>? row = null)
        {
            t.AppendLine(title);
            t.AppendLine();
            t.AppendLine("| event | " + string.Join(" | ", systems.Select(s => s.Title)) + " |");
            t.AppendLine("|---|" + string.Concat(systems.Select(_ => "---|")));
            foreach (var ev in HeldEvent.All)
            {
                t.Append("| ").Append(row?.Invoke(ev) ?? ev.Key).Append(" |");
                foreach (var system in systems)
                {
                    var rs = results.Where(r => r.System == system.Key && r.Event == ev.Key).ToList();
                    t.Append(' ').Append(rs.Count == 0 ? "—" : cell(rs)).Append(" |");
                }
                t.AppendLine();
            }
            t.AppendLine();
        }

        Table(Host.Inv($"## Held connections lost (reset, closed or silent), of {connections}: median (worst run) of {runs} run(s)"), Lost);
        Table("## Surviving held connections that stalled > 50 ms: median (worst run)",
            rs => rs.All(r => r.Survived == 0) ? "no survivors" : Worst([.. rs.Select(r => (double)r.StalledSurvivors)], higherIsWorse: true, "0"));
        Table("## Longest stall on a held connection (ms): median (worst run)",
            rs => rs.All(r => r.Opened == 0) ? "none opened" : Worst([.. rs.Where(r => r.Opened > 0).Select(r => r.LongestGapMs)], higherIsWorse: true, "0"));
        Table("## New connections after the event on the expected server: all runs together (the worst run)", NewOnExpected, ev => $"{ev.Key} → {ev.Expected}");

        var remarks = results.Where(r => r.Note.Length > 0).ToList();
        if (remarks.Count > 0)
        {
            t.AppendLine("Runs with a remark:");
            t.AppendLine();
            foreach (var r in remarks) t.AppendLine(Host.Inv($"- {systems.First(s => s.Key == r.System).Title}, {r.Event}, run {r.N}: {r.Note} (raw: `connections/{r.System}-{r.Event}-{r.N:00}.txt`)"));
            t.AppendLine();
        }
        if (failed.Count > 0)
        {
            t.AppendLine("Runs that broke (left out of the tables; a run that broke once was tried again, and its figures are those of the second try):");
            t.AppendLine();
            foreach (var f in failed) t.AppendLine($"- {f}");
            t.AppendLine();
        }
        t.AppendLine("## Notes");
        t.AppendLine();
        t.AppendLine("- The appliance pins each connection to the server it started on (docs/configuration.md, \"Established");
        t.AppendLine("  connections\"): a failback and a false alarm move only new connections, so the held ones stay where they are;");
        t.AppendLine("  a killed service or a dead link makes the master hard-down and its connections move (and are reset there).");
        t.AppendLine("  keepalived moves the VIP, and with it every connection, at each failback.");
        t.AppendLine("- A connection that reaches a server which never saw it is reset by that server: with NAT in the switch the");
        t.AppendLine("  other server gets a segment of a connection it has no socket for; with keepalived the VIP's new holder has");
        t.AppendLine("  none either. No system here moves an established connection and keeps it, so a kill or a link cut loses the");
        t.AppendLine("  connections on the master everywhere; what differs is which events move them at all (a failback, a false");
        t.AppendLine("  alarm) and how long a client waits before it knows (the longest stall).");
        t.AppendLine(Host.Inv($"- In the false alarm every connection on the master waits out the {ConnectionsBench.StallLength.TotalMilliseconds} ms its nginx is stopped (a gap of"));
        t.AppendLine("  ~160 ms with the 10 ms request interval): a survivor stalls there under any system; what a system decides is");
        t.AppendLine("  whether the connection survives it.");
        t.AppendLine("- Silent: after an outage of a few seconds a request is retransmitted with TCP's");
        t.AppendLine("  back-off (0.2, 0.4, 0.8, 1.6 s ...), so the client meets the new server's reset only at the next");
        t.AppendLine("  retransmission, possibly after the stop; such a connection is counted as silent, its stall running to the stop.");
        t.AppendLine("- Link cut: a request already sent into the dead link is retransmitted after TCP's minimum timeout of 200 ms,");
        t.AppendLine("  and only then meets the slave's reset; hence ~0.2 s for the systems that move traffic in the switch.");
        t.AppendLine("- nginx on the lab's servers (`tools/lab`): `keepalive_timeout 5s` (idle time; a held connection is never idle");
        t.AppendLine("  more than 10 ms unless it stalls), `keepalive_requests 1000000` (set for this benchmark: nginx's default of 1000");
        t.AppendLine("  would end a held connection after 10 s), `keepalive_time` at its default of 1 h. A connection nginx ends with");
        t.AppendLine("  `Connection: close` would be counted apart (a remark), never as lost.");
        t.AppendLine("- The static group watches ports only: a killed service is never failed over, so in the kill-based failback");
        t.AppendLine("  the held connections cannot be opened (the master refuses them) and there is nothing to fail back; its");
        t.AppendLine("  failback after a link cut is the comparable one.");
        t.AppendLine("- keepalived's servers: the lab is brought up in DSR mode and the VIP taken off loopback again, so only the VRRP");
        t.AppendLine("  master (VIP on eth0) accepts VIP traffic, as in a plain keepalived set-up; its check curls nginx once a");
        t.AppendLine("  second with a 1 s timeout, so a 150 ms stall never fails it. Configurations in `connections/keepalived-1s-*.conf`.");
        t.AppendLine("- http-hold runs at real-time priority and notes when it was itself not scheduled for more than 25 ms; a run");
        t.AppendLine("  where that lasted 50 ms or more has a remark, since such a stall may be the client's.");
        t.AppendLine();
        t.AppendLine("Raw data in `connections/`: `runs.csv` (every run), `SYSTEM-EVENT-NN.txt` (http-hold's report per connection and");
        t.AppendLine("http-loop's of the new connections), `static-ff-flows.txt`, `keepalived-1s-{master,slave}.{conf,log}`,");
        t.AppendLine("`appliance-firmware.log`.");
        return t.ToString();
    }

    private static string Lost(List<HeldRun> rs)
    {
        if (rs.All(r => r.Opened == 0)) return $"none opened ({rs[0].NotOpened})";
        var cell = Worst([.. rs.Where(r => r.Opened > 0).Select(r => (double)r.Lost)], higherIsWorse: true, "0");
        var partial = rs.Where(r => r.Opened < r.Connections).ToList();
        if (partial.Count > 0) cell += Host.Inv($"; not all opened in {partial.Count}/{rs.Count} ({partial[0].NotOpened})");
        return cell;
    }

    /// <summary>
    /// "**48/50**; worst: run 2, 8/10 (master 8, timeout 2)". http-loop paces its requests but a slow one
    /// delays the next, so a busy run may send fewer than asked: the counts are out of what was sent.
    /// </summary>
    private static string NewOnExpected(List<HeldRun> rs)
    {
        var cell = Host.Inv($"**{rs.Sum(r => r.NewOnExpected)}/{rs.Sum(r => r.NewTotal)}**");
        var worst = rs.MinBy(r => r.NewTotal == 0 ? 0 : r.NewOnExpected / (double)r.NewTotal)!;
        return worst.NewOnExpected == worst.NewTotal ? cell : cell + Host.Inv($"; worst: run {worst.N}, {worst.NewOnExpected}/{worst.NewTotal} ({worst.NewServers})");
    }

    /// <summary>"**median** (worst)": the worst run is the highest or the lowest value.</summary>
    private static string Worst(IReadOnlyCollection<double> values, bool higherIsWorse, string format)
    {
        var s = Stats.Of(values);
        if (s.Count == 0) return "—";
        var worst = higherIsWorse ? s.Max : s.Min;
        return $"**{Stats.F(s.Median, format)}** ({Stats.F(worst, format)})";
    }
}
