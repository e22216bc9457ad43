using System.Globalization;
using System.Text.Json;

namespace Appliance.Bench;

/// <summary>
/// <c>tools/bench connections</c>: what failover events do to connections that are already open. The
/// appliance, the study's static fast-failover group and keepalived (<see cref="Contenders"/>) on one lab;
/// per run, N long-lived HTTP connections through the VIP (labtool http-hold: a GET on each every 10 ms)
/// go through one event, and afterwards a few new connections (labtool http-loop) show where new
/// traffic goes. Nothing is assumed about the outcome: a connection counts as lost only when the client
/// saw it reset, closed or silent, and new connections count only where the server's page says they went.
/// </summary>
internal static class ConnectionsBench
{
    private const string LabName = "conn";
    private const string LabNet = "198.19.214";
    private const int NewConnections = 10;

    /// <summary>The false alarm: nginx stopped this long, as in issue 13's acceptance test.</summary>
    internal static readonly TimeSpan StallLength = TimeSpan.FromMilliseconds(150);

    /// <summary>How long the held connections run before the event, and are watched after it.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(1);

    private static readonly Contender[] Systems = [Contenders.Appliance, Contenders.StaticGroup, Contenders.Keepalived1];

    public static async Task<int> RunAsync(int runs, int connections, string outputDir)
    {
        var rawDir = Path.Combine(outputDir, "connections");
        if (Directory.Exists(rawDir)) Directory.Delete(rawDir, recursive: true);
        Directory.CreateDirectory(rawDir);
        var loadBefore = Host.Load();
        Console.WriteLine($"connections benchmark: {runs} runs per event and system, {connections} held connections; load {loadBefore}");
        var results = new List<HeldRun>();
        var failed = new List<string>();
        var started = new List<Background>();
        using (var lab = Lab.Up(LabName, LabNet))
        {
            try
            {
                await Contenders.RunEachAsync(lab, Systems, rawDir, started, async system =>
                {
                    foreach (var ev in HeldEvent.All)
                    {
                        for (var n = 1; n <= runs; n++)
                        {
                            // A broken run (an instrument that did not start, a lab command that failed) is tried
                            // once more; broken twice, it costs that run, not the others: it is listed in the
                            // report without figures. Either way the report names it.
                            for (var attempt = 1; attempt <= 2; attempt++)
                            {
                                try
                                {
                                    var run = await OneRunAsync(lab, system, ev, n, connections, started, rawDir);
                                    results.Add(run);
                                    Console.WriteLine($"  {run.Summary()}");
                                    break;
                                }
                                catch (Exception e) when (e is LabException or TimeoutException or JsonException or InvalidOperationException or IOException)
                                {
                                    var what = Host.Inv($"{system.Title}, {ev.Key}, run {n}{(attempt == 1 ? "" : ", tried again")}: {e.Message.Split('\n')[0]} (raw: `connections/{system.Key}-{ev.Key}-{n:00}.txt`)");
                                    failed.Add(what);
                                    Console.WriteLine($"  FAILED {what}\n{e}");
                                }
                            }
                        }
                    }
                });
            }
            finally
            {
                foreach (var process in started) process.Dispose();
            }
        }
        var loadAfter = Host.Load();
        await File.WriteAllTextAsync(Path.Combine(rawDir, "runs.csv"), HeldRun.Csv(results));
        var report = ConnectionsReport.Write(runs, connections, NewConnections, Systems, results, failed, loadBefore, loadAfter, LabName, LabNet);
        var output = Path.Combine(outputDir, "connections.md");
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine(report);
        Console.WriteLine($"wrote {output} and {rawDir}/");
        return 0;
    }

    /// <summary>
    /// One run: the event's set-up (for a failback: the master down and the slave serving), the held
    /// connections, <see cref="Watch"/> of steady traffic, the event, the watch after it, the new
    /// connections, the held connections' report. Whatever fails, the fault is undone and the next run
    /// starts from a master that serves the VIP.
    /// </summary>
    private static async Task<HeldRun> OneRunAsync(Lab lab, Contender system, HeldEvent ev, int n, int connections, List<Background> started, string rawDir)
    {
        var rawFile = Path.Combine(rawDir, Host.Inv($"{system.Key}-{ev.Key}-{n:00}.txt"));
        var notes = new List<string>();
        string? fault = null; // in force on the master until undone
        Hold? hold = null;
        try
        {
            await File.WriteAllTextAsync(rawFile, Host.Inv($"# {system.Title}, {ev.Title}, run {n}; times in Unix seconds, as http-hold's start\n"));
            async Task Mark(string what) => await File.AppendAllTextAsync(rawFile, Host.Inv($"# {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0:0.000} {what}\n"));
            if (ev.HeldOn == "slave")
            {
                fault = ev.Fault!;
                await Mark($"{fault} master");
                lab.Fault(fault, "master");
                if (!Serves(lab, "slave", system.DetectCap)) notes.Add(Host.Inv($"no failover: the slave did not serve the VIP within {system.DetectCap.TotalSeconds} s of the {fault}"));
            }
            await Mark("held connections start");
            hold = await Hold.StartAsync(lab, connections, started);
            await Task.Delay(Watch);
            switch (ev.Key)
            {
                case "failback" or "failback-link":
                    await Mark($"{Contenders.Undo(fault!)} master");
                    Contenders.UndoFault(lab, system, fault!);
                    fault = null;
                    if (!Serves(lab, "master", system.ReturnCap)) notes.Add(Host.Inv($"no failback: the master did not serve the VIP within {system.ReturnCap.TotalSeconds} s"));
                    else await Mark("new connections reach the master");
                    await Task.Delay(system.Settle);
                    break;
                case "false-alarm":
                    await Mark(Host.Inv($"stall master's nginx for {StallLength.TotalMilliseconds} ms"));
                    lab.Stall("master", StallLength);
                    await Task.Delay(Watch);
                    if (!Serves(lab, "master", system.ReturnCap)) notes.Add(Host.Inv($"the master did not serve the VIP again within {system.ReturnCap.TotalSeconds} s"));
                    break;
                default:
                    fault = ev.Fault!;
                    await Mark($"{fault} master");
                    lab.Fault(fault, "master");
                    if (!Serves(lab, "slave", system.DetectCap)) notes.Add(Host.Inv($"no failover: the slave did not serve the VIP within {system.DetectCap.TotalSeconds} s"));
                    else await Mark("new connections reach the slave");
                    await Task.Delay(Watch);
                    break;
            }
            await Mark("new connections");
            var (fresh, freshText) = await NewConnectionsAsync(lab);
            await Mark("held connections stop");
            var held = await hold.StopAsync(rawFile, started);
            hold = null;
            await File.AppendAllTextAsync(rawFile, "## new connections after the event (http-loop)\n" + freshText);
            return HeldRun.From(system.Key, ev, n, connections, held, fresh, notes);
        }
        finally
        {
            hold?.Dispose(started);
            if (fault is not null) Contenders.UndoFault(lab, system, fault);
            Contenders.RestoreMaster(lab, system, Host.Inv($"{system.Key} {ev.Key} run {n}"));
        }
    }

    /// <summary>Whether new connections to the VIP reach <paramref name="server"/> within <paramref name="cap"/>.</summary>
    private static bool Serves(Lab lab, string server, TimeSpan cap)
    {
        try
        {
            lab.WaitServing(server, cap);
            return true;
        }
        catch (LabException)
        {
            return false;
        }
    }

    /// <summary>
    /// <see cref="NewConnections"/> new connections, one every 100 ms (labtool http-loop, 250 ms timeout each):
    /// its JSON report, which counts answers per server (nginx's X-Server) and failures, and its text.
    /// </summary>
    private static async Task<(JsonElement Report, string Text)> NewConnectionsAsync(Lab lab)
    {
        var json = Path.Combine(Path.GetTempPath(), $"conn-new-{Guid.NewGuid():n}.json");
        try
        {
            var result = await Sh.RunAsync("ip", "netns", "exec", lab.Host("client").Namespace, Host.LabTool, "http-loop",
                "--url", $"http://{lab.Vip}/", "--duration", Host.Inv($"{NewConnections * 100}ms"), "--interval", "100ms", "--timeout", "250ms", "--json", json);
            if (!File.Exists(json)) throw new LabException($"http-loop wrote no report: {result}");
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            return (doc.RootElement.Clone(), result.Output + result.Error);
        }
        finally
        {
            File.Delete(json);
        }
    }

    /// <summary>labtool http-hold from the client to the VIP: started, waited for until its connections stand, stopped with SIGTERM.</summary>
    private sealed class Hold
    {
        private readonly Background _process;
        private readonly string _json = Path.Combine(Path.GetTempPath(), $"conn-hold-{Guid.NewGuid():n}.json");

        private Hold(Lab lab, int connections, List<Background> started)
        {
            _process = Background.InHost(lab, "client", "chrt", "-f", "10", Host.LabTool, "http-hold",
                "--url", $"http://{lab.Vip}/time", "--connections", connections.ToString(CultureInfo.InvariantCulture),
                "--interval", "10ms", "--stall", "50ms", "--silent", "1s", "--live", "--json", _json);
            started.Add(_process);
        }

        public static async Task<Hold> StartAsync(Lab lab, int connections, List<Background> started)
        {
            var hold = new Hold(lab, connections, started);
            if (!await hold._process.WaitForAsync("held:", TimeSpan.FromSeconds(10)))
            {
                hold.Dispose(started);
                throw new LabException($"http-hold did not report its connections:\n{hold._process.Output}");
            }
            return hold;
        }

        public async Task<JsonElement> StopAsync(string rawFile, List<Background> started)
        {
            try
            {
                _process.Signal("TERM");
                await _process.WaitExitAsync(TimeSpan.FromSeconds(15));
                await File.AppendAllTextAsync(rawFile, "## held connections (http-hold)\n" + _process.Output);
                using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(_json));
                return doc.RootElement.Clone();
            }
            finally
            {
                Dispose(started);
            }
        }

        public void Dispose(List<Background> started)
        {
            _process.Dispose();
            started.Remove(_process);
            File.Delete(_json);
        }
    }
}

/// <param name="HeldOn">Where the held connections are opened: the slave for a failback (the master is down then).</param>
/// <param name="Expected">Where new connections belong once the event is over.</param>
/// <param name="Fault">The <c>tools/lab fault</c> on the master that makes the event (null: the stall).</param>
internal sealed record HeldEvent(string Key, string Title, string HeldOn, string Expected, string? Fault, string How)
{
    public static readonly HeldEvent[] All =
    [
        new("failback", "automatic failback (service killed, then restarted)", "slave", "master", "kill",
            "the master's services killed; once the slave serves the VIP, the connections are opened (on the slave); 1 s later the services are restarted and the system sends new traffic back to the master"),
        new("failback-link", "failback after a link cut (link down, then up)", "slave", "master", "link-down",
            "the same with the master's link cut and restored instead (the only failback the static group can make)"),
        new("false-alarm", Host.Inv($"false alarm (nginx stalled {ConnectionsBench.StallLength.TotalMilliseconds} ms)"), "master", "master", null,
            Host.Inv($"connections on the master; its nginx (master process and worker) stopped with SIGSTOP for {ConnectionsBench.StallLength.TotalMilliseconds} ms and continued (`tools/lab fault stall`), its kernel and link up throughout")),
        new("kill", "master's service killed", "master", "slave", "kill",
            "connections on the master; its nginx, iperf and echo responder killed (SIGKILL), link and kernel up"),
        new("link-cut", "master's link cut", "master", "slave", "link-down",
            "connections on the master; its link cut (`tools/lab fault link-down`)"),
    ];
}
