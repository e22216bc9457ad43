using System.Globalization;
using System.Text.Json;

namespace Appliance.Bench;

/// <summary>
/// <c>tools/bench failover</c>: faults on the master seen from the client by two instruments at once,
/// an established flow (a 1 kHz UDP stream, one connection pinned to the master) and new connections
/// (HTTP requests, each on a new TCP connection). Established connections stay on their server through
/// failback and are moved only when their server is hard-down (docs/configuration.md, "Established
/// connections"), so the two answer different questions and are reported apart. Runs on a lab of its
/// own with the real firmware, then writes <c>bench/failover.md</c> (<see cref="FailoverReport"/>).
/// </summary>
internal static class FailoverBench
{
    private static readonly TimeSpan StreamLength = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan FaultAt = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan UndoAfter = TimeSpan.FromSeconds(1.5);

    // The service-fault probe: the lab's defaults (docs/configuration.md), spelled out because the report quotes them.
    private static readonly string[] HttpProbe = ["probe=http", "interval=20ms", "timeout=40ms", "fall=3", "rise=3"];

    /// <summary>One request every 10 ms, each given up after 20 ms: the new-connection figures' resolution.</summary>
    internal static readonly TimeSpan RequestInterval = TimeSpan.FromMilliseconds(10);

    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromMilliseconds(20);

    /// <summary>One run, both instruments.</summary>
    /// <param name="AtFault">The server that answered the stream when the fault came: the master, unless a false alarm had moved it.</param>
    /// <param name="Moved">The established flow's move from the master to the slave; null when it did not move.</param>
    /// <param name="LostAfterMove">Datagrams lost after the move: through the undo to the end of the stream.</param>
    /// <param name="BackOnMaster">Whether the master answered the established flow again after the move (failback must not move it).</param>
    /// <param name="NewFailover">New connections' switch from the master to the slave.</param>
    /// <param name="NewFailback">New connections' switch back to the master after that.</param>
    /// <param name="NewBackAfterUndoMs">From the moment the undo was complete (<c>tools/lab fault</c> returned) to the first request the master answered.</param>
    /// <param name="Switches">How often each instrument saw the answering server change: 1 (stream) and 2 (requests) when only the fault moved them.</param>
    /// <param name="Downs">The firmware's "down" events in the run (its log), for runs with more switches than the fault explains.</param>
    internal sealed record FaultRun(
        string? AtFault, LabToolReport.Change? Moved, long LostAfterMove, bool BackOnMaster, int Sent, int Lost,
        LabToolReport.Change? NewFailover, LabToolReport.Change? NewFailback, double? NewBackAfterUndoMs, (int Stream, int Requests) Switches,
        string[] Downs)
    {
        /// <summary>Whether traffic changed servers more often than the fault and its undo explain.</summary>
        public bool Extra => Switches.Stream > 1 || Switches.Requests > 2;
    }

    /// <summary>The runs of one fault under one configuration.</summary>
    internal sealed record FaultSet(string Fault, string Title, List<FaultRun> Runs);

    /// <summary>A stream across a firmware kill -9 and restart; times in ms from the stream's start.</summary>
    /// <param name="LongestGapMs">The longest time without answers, and when it began.</param>
    /// <param name="Stalls">How often the sender itself fell behind (descheduled) and restarted its schedule.</param>
    internal sealed record RestartRun(int Sent, int Lost, double KilledAtMs, double AttachedAtMs, double LongestGapMs, double LongestGapFromMs, int Stalls);

    public static async Task<int> RunAsync(int runs, string output)
    {
        var loadBefore = Host.Load();
        Console.WriteLine($"failover benchmark: {runs} runs per fault on a fresh lab; load {loadBefore}");
        var sets = new List<FaultSet>();
        List<RestartRun> restart;
        double cpu;
        using (var lab = Lab.Up("bench", "198.19.250"))
        {
            // The hold-down is off: ten faults a few seconds apart are flapping by design here, and a
            // held server would measure the hold, not the mechanism.
            // Link faults with the link probe, so that link-up fails back at once.
            var config = lab.WriteConfig("probe=link", "hold=off");
            var firmware = Firmware.StartOn(lab, config);
            try
            {
                lab.WaitServing("master", TimeSpan.FromSeconds(10));
                sets.Add(await FaultRunsAsync(lab, firmware, "link-down", "link down (cable pulled)", runs));
                restart = await RestartRunsAsync(lab, config, Math.Max(3, runs / 2), f => firmware = f, () => firmware);
            }
            finally
            {
                firmware.Dispose();
            }
            firmware = Firmware.StartOn(lab, lab.WriteConfig([.. HttpProbe, "hold=off"]));
            try
            {
                lab.WaitServing("master", TimeSpan.FromSeconds(10));
                cpu = await CpuShareAsync(firmware, TimeSpan.FromSeconds(30));
                Console.WriteLine($"  firmware CPU while probing 2 servers by http every 20 ms: {cpu:0.0} % of one core");
                sets.Add(await FaultRunsAsync(lab, firmware, "kill", "service killed (connection refused)", runs));
                sets.Add(await FaultRunsAsync(lab, firmware, "freeze", "server frozen (SIGSTOP)", runs));
                sets.Add(await FaultRunsAsync(lab, firmware, "blackhole", "traffic dropped (nftables)", runs));
            }
            finally
            {
                firmware.Dispose();
            }
            // The earlier behaviour, still one setting away: connections move as soon as the server is down.
            firmware = Firmware.StartOn(lab, lab.WriteConfig([.. HttpProbe, "hold=off", "hard_down=0"]));
            try
            {
                lab.WaitServing("master", TimeSpan.FromSeconds(10));
                sets.Add(await FaultRunsAsync(lab, firmware, "freeze", "server frozen (SIGSTOP), `hard_down: 0`", runs));
            }
            finally
            {
                firmware.Dispose();
            }
        }
        var report = FailoverReport.Write(runs, sets, restart, cpu, loadBefore, Host.Load());
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine(report);
        return 0;
    }

    private static string Undo(string fault) => fault switch
    {
        "link-down" => "link-up",
        "kill" => "restart",
        "freeze" => "thaw",
        "blackhole" => "unblackhole",
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    private static async Task<FaultSet> FaultRunsAsync(Lab lab, Firmware firmware, string fault, string title, int runs)
    {
        var set = new FaultSet(fault, title, []);
        for (var i = 1; i <= runs; i++)
        {
            var run = await OneRunAsync(lab, firmware, fault);
            set.Runs.Add(run);
            Console.WriteLine(Host.Inv($"  {title} run {i}: established ") +
                (run.Moved is { } m ? Host.Inv($"{Host.Ms(m.OutageMs)} ms ({m.Lost} lost), then {run.LostAfterMove} lost, {(run.BackOnMaster ? "BACK ON THE MASTER" : "stayed on the slave")}") : $"NOT MOVED (on {run.AtFault ?? "nobody"} at the fault)") +
                Host.Inv($"; new connections {Host.Ms(run.NewFailover?.OutageMs ?? double.NaN)} ms ({run.NewFailover?.Lost} failed), master again {Host.Ms(run.NewBackAfterUndoMs ?? double.NaN)} ms after the undo ({run.NewFailback?.Lost} failed); {run.Lost}/{run.Sent} datagrams lost") +
                (run.Extra ? Host.Inv($"; EXTRA SWITCHES: stream {run.Switches.Stream}, requests {run.Switches.Requests}; firmware: {string.Join("; ", run.Downs)}") : ""));
            lab.WaitServing("master", TimeSpan.FromSeconds(10));
        }
        return set;
    }

    /// <summary>
    /// Both instruments started afresh (a new stream is a new connection, pinned to the master that
    /// serves now); the fault 1 s into the stream, undone 1.5 s later; the stream ends 1.5 s after
    /// that, and the request client once new connections reach the master again.
    /// </summary>
    private static async Task<FaultRun> OneRunAsync(Lab lab, Firmware firmware, string fault)
    {
        var logFrom = firmware.Log.Length;
        using var http = await Instrument.StartAsync(lab, "http-loop", "--url", $"http://{lab.Vip}/time", "--duration", "0",
            "--interval", $"{RequestInterval.TotalMilliseconds}ms", "--timeout", $"{RequestTimeout.TotalMilliseconds}ms");
        using var stream = await StartStreamAsync(lab);
        await Task.Delay(FaultAt);
        var faultAt = (double)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lab.Fault(fault, "master");
        await Task.Delay(UndoAfter);
        lab.Fault(Undo(fault), "master");
        var undoneAt = (double)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var udp = await stream.EndAsync(StreamLength + TimeSpan.FromSeconds(15));
        // New connections are back on the master a few probe intervals after the undo, usually inside
        // the stream's last 1.5 s; restarting killed services can take seconds on a busy machine.
        await http.WaitForAsync("slave -> master", TimeSpan.FromSeconds(5));
        var web = await http.StopAsync();

        // The switches the fault caused; on a busy machine a probe may also time out without a fault.
        var moved = LabToolReport.FirstSwitch(udp, "master", "slave", faultAt);
        var newDown = LabToolReport.FirstSwitch(web, "master", "slave", faultAt);
        // The master answers nothing between the fault and its undo: the first return after the failover is the failback.
        var newBack = newDown is null ? null : LabToolReport.FirstSwitch(web, "slave", "master", newDown.FirstNewUnixMs);
        return new FaultRun(
            LabToolReport.ServerAt(udp, faultAt), moved,
            moved is null ? 0 : LabToolReport.LostAfter(udp, moved.FirstNewSeq),
            moved is not null && LabToolReport.AnsweredAfter(udp, "master", moved.FirstNewSeq),
            udp.GetProperty("sent").GetInt32(), udp.GetProperty("lost").GetInt32(),
            newDown, newBack, newBack is null ? null : newBack.FirstNewUnixMs - undoneAt,
            (LabToolReport.Switches(udp), LabToolReport.Switches(web)), Downs(firmware.Log[logFrom..]));
    }

    /// <summary>The firmware's "X down: why" events in a piece of its log.</summary>
    private static string[] Downs(string log) =>
        [.. log.Split('\n').Where(l => l.Contains(" down: ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..].Trim())];

    /// <summary>A 1 kHz UDP stream of <see cref="StreamLength"/> from the client to the VIP's echo responders: a new connection.</summary>
    private static Task<Instrument> StartStreamAsync(Lab lab) =>
        Instrument.StartAsync(lab, "udp-stream", "--target", $"{lab.Vip}:7", "--rate", "1000", "--duration", $"{StreamLength.TotalSeconds}s");

    /// <summary>The firmware's share of one core over <paramref name="span"/>, from /proc (user + system time).</summary>
    private static async Task<double> CpuShareAsync(Firmware firmware, TimeSpan span)
    {
        static double CpuSeconds(int pid)
        {
            // Fields after the command name (which may hold spaces), utime and stime are the 12th and 13th.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        await Task.Delay(TimeSpan.FromSeconds(2)); // past start-up work
        var before = CpuSeconds(firmware.Pid);
        await Task.Delay(span);
        return 100 * (CpuSeconds(firmware.Pid) - before) / span.TotalSeconds;
    }

    /// <summary>A 4 s stream; the firmware killed (SIGKILL) at 1 s and started again 0.5 s later.</summary>
    private static async Task<List<RestartRun>> RestartRunsAsync(Lab lab, string config, int runs, Action<Firmware> replace, Func<Firmware> current)
    {
        var results = new List<RestartRun>();
        for (var i = 1; i <= runs; i++)
        {
            using var stream = await StartStreamAsync(lab);
            await Task.Delay(FaultAt);
            var killedAt = (double)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            current().Kill9();
            current().Dispose();
            await Task.Delay(500);
            replace(Firmware.StartOn(lab, config));
            var attachedAt = (double)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var json = await stream.EndAsync(StreamLength + TimeSpan.FromSeconds(15));
            var start = json.GetProperty("start_unix_ms").GetDouble();
            var gap = json.GetProperty("longest_gap");
            var run = new RestartRun(json.GetProperty("sent").GetInt32(), json.GetProperty("lost").GetInt32(), killedAt - start, attachedAt - start,
                gap.GetProperty("ms").GetDouble(), gap.GetProperty("from_ms").GetDouble(), json.GetProperty("sender_stalls").GetInt32());
            results.Add(run);
            // What the restarted firmware changed on the switch, if anything: the first place to look when a restart lost datagrams.
            var changes = current().Log.Split('\n').Where(l => l.Contains("programmed", StringComparison.Ordinal)).Select(l => "\n    " + l.Trim());
            Console.WriteLine(Host.Inv($"  restart run {i}: {run.Lost}/{run.Sent} lost; killed at {run.KilledAtMs:0} ms, attached at {run.AttachedAtMs:0} ms, longest gap {run.LongestGapMs:0.0} ms from {run.LongestGapFromMs:0} ms, {run.Stalls} sender stalls") +
                (run.Lost > 0 ? string.Concat(changes) : ""));
        }
        return results;
    }
}
