using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Bench;

/// <summary>
/// Scenario 7 of <c>tools/bench hostile</c> (issue 12, item 10): Open vSwitch restarts under a running
/// firmware, as an upgrade restarts it (<c>ovs-ctl restart</c>: flows saved, restored behind
/// <c>flow-restore-wait</c>), and once with the firmware stopped, to show what Open vSwitch does on its
/// own. Restarts the machine's ovs-vswitchd: every other lab on the machine loses its switch for a
/// moment, so it runs last.
/// </summary>
internal static partial class SwitchRestartBench
{
    public const string LabName = "hbr";
    public const string LabNet = "198.19.42";
    private const int Runs = 3;
    private const string OvsCtl = "/usr/share/openvswitch/scripts/ovs-ctl";
    private static readonly TimeSpan Stream = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RestartAfter = TimeSpan.FromSeconds(2);

    private sealed record Run(double OvsCtlMs, double GapMs, int Lost, int Sent, int ServersDown, int HoldDowns, int Failovers, double? ReconnectMs, double? ProgrammedMs, string? Programmed);

    public static async Task<string> RunAsync()
    {
        var with = new List<Run>();
        Run alone;
        int rulesBefore, rulesAfter;
        using (var lab = Lab.Up(LabName, LabNet, servers: 3))
        {
            var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http"));
            try
            {
                lab.WaitServing("master", TimeSpan.FromSeconds(10));
                for (var i = 1; i <= Runs; i++)
                {
                    with.Add(await RestartAsync(lab, firmware, i));
                }
            }
            finally
            {
                firmware.Dispose();
            }
            // The firmware gone, the bridge keeps its rules (fail_mode=secure) and forwards on them;
            // a restart alone shows what Open vSwitch does with them.
            rulesBefore = RuleCount(lab);
            alone = await RestartAsync(lab, null, 1);
            rulesAfter = RuleCount(lab);
        }
        return Report(with, alone, rulesBefore, rulesAfter);
    }

    private static int RuleCount(Lab lab) =>
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", lab.Bridge, "--no-stats").Split('\n').Count(l => l.Contains("cookie=", StringComparison.Ordinal));

    private static async Task<Run> RestartAsync(Lab lab, Firmware? firmware, int run)
    {
        var logFrom = firmware?.Log.Length ?? 0;
        var failoversBefore = firmware?.Status().GetProperty("failovers").GetInt32() ?? 0;
        var stream = lab.StartUdpStream(Stream);
        await Task.Delay(RestartAfter);
        var clock = Stopwatch.StartNew();
        Sh.Check(OvsCtl, "--no-ovsdb-server", "restart", "--system-id=random");
        var ovsCtl = clock.Elapsed.TotalMilliseconds;
        var result = await stream.ResultAsync();
        var gap = result.GetProperty("longest_gap").GetProperty("ms").GetDouble();
        var lost = result.GetProperty("lost").GetInt32();
        var sent = result.GetProperty("sent").GetInt32();
        if (firmware is null)
        {
            Console.WriteLine(Host.Inv($"  OVS restart {run}, no firmware: ovs-ctl {ovsCtl:0} ms, VIP silent {gap:0.0} ms, {lost}/{sent} lost"));
            return new Run(ovsCtl, gap, lost, sent, 0, 0, 0, null, null, null);
        }
        firmware.WaitForEvent("switch connected", TimeSpan.FromSeconds(20), occurrences: run + 1);
        lab.WaitServing("master", TimeSpan.FromSeconds(10));
        var log = firmware.Log[logFrom..];
        var disconnected = TimeOf(log, "disconnected: ");
        var connected = TimeOf(log, " connected from ");
        var programmed = ProgrammedLine().Match(log);
        var programmedAt = programmed.Success ? TimeOf(programmed.Value, "programmed") : null;
        var r = new Run(ovsCtl, gap, lost, sent,
            ServerDown().Count(log), Regex.Count(log, "held out"),
            firmware.Status().GetProperty("failovers").GetInt32() - failoversBefore,
            disconnected is { } d && connected is { } c ? (c - d).TotalMilliseconds : null,
            connected is { } c2 && programmedAt is { } p ? (p - c2).TotalMilliseconds : null,
            programmed.Success ? programmed.Groups["what"].Value : null);
        Console.WriteLine(Host.Inv($"  OVS restart {run}, firmware running: ovs-ctl {ovsCtl:0} ms, VIP silent {gap:0.0} ms, {lost}/{sent} lost, {r.ServersDown} servers marked down"));
        return r;
    }

    /// <summary>The time of day at the head of the firmware's first log line that contains <paramref name="text"/>.</summary>
    private static TimeSpan? TimeOf(string log, string text)
    {
        foreach (var line in log.Split('\n'))
        {
            if (!line.Contains(text, StringComparison.Ordinal)) continue;
            var m = LineTime().Match(line);
            if (m.Success) return TimeSpan.ParseExact(m.Groups[1].Value, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
        }
        return null;
    }

    private static string Report(List<Run> with, Run alone, int rulesBefore, int rulesAfter)
    {
        var t = new StringBuilder();
        t.AppendLine();
        t.AppendLine("## 7. Open vSwitch restarts under the firmware");
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Tried**: a lab with three servers (`{LabName}`, {LabNet}.0/24), http probes every 20 ms (timeout 40 ms, fall 3, rise 3), a 1 kHz UDP stream from the office client to the VIP; {RestartAfter.TotalSeconds:0} s into each {Stream.TotalSeconds:0} s stream `ovs-ctl --no-ovsdb-server restart`, as an upgrade restarts the switch (it saves the flows and restores them behind `flow-restore-wait`). {Runs} restarts with the firmware running, then one with the firmware stopped: Open vSwitch on its own."));
        t.AppendLine();
        var downs = with.Sum(r => r.ServersDown);
        var holds = with.Sum(r => r.HoldDowns);
        var failovers = with.Sum(r => r.Failovers);
        t.AppendLine(Host.Inv($"**The box**: the probes failed while the switch was away, and {(downs == 0 ? "no server was marked down" : $"**{downs} servers were marked down**")}; {(holds == 0 ? "no hold-down" : $"**{holds} hold-downs**")}; {(failovers == 0 ? "no failover" : $"{failovers} failovers (a port the restarted switch had not re-added yet, docs/configuration.md)")}. Each time the restarted switch connected empty and the firmware programmed it at once."));
        t.AppendLine();
        t.AppendLine("| | restarts | `ovs-ctl restart` took (median, min–max) | VIP silent, longest gap (median, min–max) | datagrams lost (median, max) |");
        t.AppendLine("|---|---|---|---|---|");
        var ctl = Stats.Of([.. with.Select(r => r.OvsCtlMs)]);
        var gap = Stats.Of([.. with.Select(r => r.GapMs)]);
        var lost = Stats.Of([.. with.Select(r => (double)r.Lost)]);
        t.AppendLine(Host.Inv($"| firmware running | {with.Count} | {Stats.F(ctl.Median, "0")} ms, {Stats.F(ctl.Min, "0")}–{Stats.F(ctl.Max, "0")} | **{Stats.F(gap.Median)} ms**, {Stats.F(gap.Min)}–{Stats.F(gap.Max)} | {Stats.F(lost.Median, "0")}, {Stats.F(lost.Max, "0")} |"));
        t.AppendLine(Host.Inv($"| firmware stopped (Open vSwitch alone) | 1 | {alone.OvsCtlMs:0} ms | **{alone.GapMs:0} ms**: to the end of the stream | {alone.Lost} of {alone.Sent} |"));
        t.AppendLine();
        t.AppendLine("With the firmware running, per restart:");
        t.AppendLine();
        t.AppendLine("| restart | switch gone → connected again | connected → rules back | what the firmware programmed | servers marked down | hold-downs | failovers |");
        t.AppendLine("|---|---|---|---|---|---|---|");
        for (var i = 0; i < with.Count; i++)
        {
            var r = with[i];
            t.AppendLine(Host.Inv($"| {i + 1} | {Stats.F(r.ReconnectMs ?? double.NaN, "0")} ms | {Stats.F(r.ProgrammedMs ?? double.NaN, "0")} ms | {r.Programmed ?? "nothing"} | {r.ServersDown} | {r.HoldDowns} | {r.Failovers} |"));
        }
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Open vSwitch does not keep the rules of a bridge that has a controller across `ovs-ctl restart`.** It restores the saved flows while `flow-restore-wait` holds the controllers back, and when it then adds the bridge's controller it flushes every flow (Open vSwitch's `connmgr_set_controllers` flushes when a bridge goes from no controller to one; `ovs-vsctl del-controller` flushes the same way). With the firmware stopped the bridge had {rulesBefore} rules before the restart and {rulesAfter} after, and the VIP stayed dark until the stream ended. So after an Open vSwitch restart it is the firmware that puts the data path back, within milliseconds of the switch connecting; the VIP's outage is the switch's own restart (its process, and with it the userspace datapath, is gone meanwhile) plus those milliseconds."));
        t.AppendLine();
        t.AppendLine("Before the fix (issue 12): during `ovs-ctl restart` on a lab with three servers all three servers were marked down and came back after `rise`; the VIP was silent for 0.92 s. The log's times are whole milliseconds.");
        return t.ToString();
    }

    [GeneratedRegex(@"^\s*(\d\d:\d\d:\d\d\.\d\d\d) ", RegexOptions.Multiline)]
    private static partial Regex LineTime();

    [GeneratedRegex(@"^.*programmed (?<what>\d+ changes in [\d.]+ ms) \(switch connected\).*$", RegexOptions.Multiline)]
    private static partial Regex ProgrammedLine();

    [GeneratedRegex(@"\b(master|slave|spare) down: ")]
    private static partial Regex ServerDown();
}
