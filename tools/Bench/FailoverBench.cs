using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Appliance.Bench;

/// <summary>
/// <c>tools/bench failover</c>: a 1 kHz UDP stream through the VIP while faults are injected,
/// measured at the client by labtool (outage = first answer of the new server − last answer of the
/// old one). Runs on a lab of its own with the real firmware, then writes <c>bench/failover.md</c>.
/// </summary>
internal static class FailoverBench
{
    private const string StudyDowntime = "826 ms (500–1060)";
    private const string StudyFailback = "865 ms (550–1120)";
    private const string StudyLoss = "5.6 % (4.0–6.8)";

    public static async Task<int> RunAsync(int runs, string output)
    {
        Console.WriteLine($"failover benchmark: {runs} runs per fault on a fresh lab");
        using var lab = Lab.Up("bench", "198.19.250");
        // The link probe makes link-up fail back at once; the hold-down is off because ten link pulls
        // a few seconds apart are flapping by design here, and a held server would measure the hold.
        var config = lab.WriteConfig("probe=link", "hold=off");
        var firmware = Firmware.StartOn(lab, config);
        var report = new StringBuilder();
        try
        {
            lab.WaitServing("master", TimeSpan.FromSeconds(10));
            var link = await LinkRunsAsync(lab, runs);
            var restart = await RestartRunsAsync(lab, config, Math.Max(3, runs / 2), f => firmware = f, () => firmware);
            report.Append(Report(runs, link, restart));
        }
        finally
        {
            firmware.Dispose();
        }
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, report.ToString());
        Console.WriteLine(report);
        return 0;
    }

    private sealed record LinkRun(double? FailoverMs, int FailoverLost, double? FailbackMs, int FailbackLost, int Sent, int Lost);

    private static async Task<List<LinkRun>> LinkRunsAsync(Lab lab, int runs)
    {
        var results = new List<LinkRun>();
        for (var i = 1; i <= runs; i++)
        {
            var stream = lab.StartUdpStream(TimeSpan.FromSeconds(4));
            await Task.Delay(1000);
            lab.Fault("link-down", "master");
            await Task.Delay(1500);
            lab.Fault("link-up", "master");
            var json = await stream.ResultAsync();
            var down = Switch(json, "master", "slave");
            var back = Switch(json, "slave", "master");
            var run = new LinkRun(down?.Outage, down?.Lost ?? 0, back?.Outage, back?.Lost ?? 0, json.GetProperty("sent").GetInt32(), json.GetProperty("lost").GetInt32());
            results.Add(run);
            Console.WriteLine($"  link run {i}: failover {Stats.F(run.FailoverMs ?? double.NaN)} ms ({run.FailoverLost} lost), failback {Stats.F(run.FailbackMs ?? double.NaN)} ms ({run.FailbackLost} lost), {run.Lost}/{run.Sent} lost");
            lab.WaitServing("master", TimeSpan.FromSeconds(5));
        }
        return results;
    }

    private sealed record RestartRun(int Sent, int Lost);

    private static async Task<List<RestartRun>> RestartRunsAsync(Lab lab, string config, int runs, Action<Firmware> replace, Func<Firmware> current)
    {
        var results = new List<RestartRun>();
        for (var i = 1; i <= runs; i++)
        {
            var stream = lab.StartUdpStream(TimeSpan.FromSeconds(4));
            await Task.Delay(1000);
            current().Kill9();
            current().Dispose();
            await Task.Delay(500);
            replace(Firmware.StartOn(lab, config));
            var json = await stream.ResultAsync();
            var run = new RestartRun(json.GetProperty("sent").GetInt32(), json.GetProperty("lost").GetInt32());
            results.Add(run);
            Console.WriteLine($"  restart run {i}: {run.Lost}/{run.Sent} lost");
        }
        return results;
    }

    private static (double Outage, int Lost)? Switch(JsonElement stream, string from, string to)
    {
        foreach (var change in stream.GetProperty("switches").EnumerateArray())
        {
            if (change.GetProperty("from").GetString() == from && change.GetProperty("to").GetString() == to)
            {
                return (change.GetProperty("outage_ms").GetDouble(), change.GetProperty("lost").GetInt32());
            }
        }
        return null;
    }

    private static string Report(int runs, List<LinkRun> link, List<RestartRun> restart)
    {
        var failover = Stats.Of([.. link.Where(r => r.FailoverMs is not null).Select(r => r.FailoverMs!.Value)]);
        var failback = Stats.Of([.. link.Where(r => r.FailbackMs is not null).Select(r => r.FailbackMs!.Value)]);
        var loss = Stats.Of([.. link.Select(r => 100.0 * r.Lost / r.Sent)]);
        var text = new StringBuilder();
        text.AppendLine("# Failover benchmark");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`tools/bench failover`, {DateTime.UtcNow:yyyy-MM-dd}, on {Machine.Describe()}.");
        text.AppendLine();
        text.AppendLine("A 1 kHz UDP stream (labtool) from the lab's client to the VIP, answered by the echo responder of");
        text.AppendLine("whichever server gets it. Outage = first answer from the new server − last answer from the old one,");
        text.AppendLine("at the client. Each link run: master link pulled at 1 s (veth down: carrier loss at the switch), back at");
        text.AppendLine("2.5 s, in a 4 s stream. Firmware: `probe: link`, `hold_down: off` (see below). NAT mode.");
        text.AppendLine();
        text.AppendLine("| measure | runs | median | min | max | the study (mean, range) |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| outage on link loss (master → slave) | {failover.Count}/{runs} | **{Stats.F(failover.Median)} ms** | {Stats.F(failover.Min)} ms | {Stats.F(failover.Max)} ms | {StudyDowntime} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| outage on failback (slave → master) | {failback.Count}/{runs} | **{Stats.F(failback.Median)} ms** | {Stats.F(failback.Min)} ms | {Stats.F(failback.Max)} ms | {StudyFailback} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| datagrams lost per failover | {failover.Count} | {Stats.F(Stats.Of([.. link.Select(r => (double)r.FailoverLost)]).Median, "0")} | {link.Min(r => r.FailoverLost)} | {link.Max(r => r.FailoverLost)} | — |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| datagrams lost per failback | {failback.Count} | {Stats.F(Stats.Of([.. link.Select(r => (double)r.FailbackLost)]).Median, "0")} | {link.Min(r => r.FailbackLost)} | {link.Max(r => r.FailbackLost)} | — |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| loss over a 4 s run with a failover and a failback | {loss.Count} | {Stats.F(loss.Median, "0.00")} % | {Stats.F(loss.Min, "0.00")} % | {Stats.F(loss.Max, "0.00")} % | {StudyLoss} over 20 s |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| datagrams lost across a firmware kill -9 and restart | {restart.Count} | {Stats.F(Stats.Of([.. restart.Select(r => (double)r.Lost)]).Median, "0")} | {restart.Min(r => r.Lost)} | {restart.Max(r => r.Lost)} | — |");
        text.AppendLine();
        text.AppendLine("Targets (issue 3): median outage ≤ 5 ms for link loss; 0 lost on firmware restart.");
        text.AppendLine();
        text.AppendLine("Per run (ms, lost datagrams):");
        text.AppendLine();
        text.AppendLine("| run | failover | lost | failback | lost |");
        text.AppendLine("|---|---|---|---|---|");
        for (var i = 0; i < link.Count; i++)
        {
            var r = link[i];
            text.AppendLine(CultureInfo.InvariantCulture, $"| {i + 1} | {Stats.F(r.FailoverMs ?? double.NaN)} | {r.FailoverLost} | {Stats.F(r.FailbackMs ?? double.NaN)} | {r.FailbackLost} |");
        }
        text.AppendLine();
        text.AppendLine("Why `hold_down: off`: the firmware holds a server that went down twice within a minute out of service");
        text.AppendLine("for 5 s (doubling) after it recovers, so that a flapping server does not pull traffic back and forth.");
        text.AppendLine("Ten link pulls a few seconds apart are flapping by definition; with the hold-down on, the failback");
        text.AppendLine("figure would be the hold (5 s, 10 s, …), not the speed of the mechanism measured here.");
        return text.ToString();
    }
}
