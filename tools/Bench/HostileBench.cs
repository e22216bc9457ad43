using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Appliance.Bench;

/// <summary>
/// <c>tools/bench hostile</c> (issue 12): the real firmware on a lab, attacked from every side it has
/// (the OpenFlow peer, the office port, its configuration file, DHCP), with what it did and the figures
/// written to <c>bench/hostile.md</c>. One lab (<c>hb</c>) and one firmware serve scenarios 1–4, one
/// after the other; a second lab (<c>hbd</c>) the DHCP path; a third (<c>hbr</c>) an Open vSwitch restart; scenario 5 needs no lab.
/// </summary>
internal static class HostileBench
{
    public const string LabName = "hb";
    public const string LabNet = "198.19.41";
    public const string DhcpLabName = "hbd";
    public const string DhcpLabNet = "198.19.51";

    /// <summary>The shipped <c>service.conntrack_limit</c> (docs/configuration.md).</summary>
    public const int ConntrackLimit = 65536;

    private static readonly TimeSpan ReferenceFor = TimeSpan.FromSeconds(8);

    /// <summary>The firmware's output of the run, for a closer look (not part of the report).</summary>
    private static readonly string FirmwareLog = Path.Combine(Path.GetTempPath(), "hostile-firmware.log");

    public static async Task<int> RunAsync(string output)
    {
        var clock = Stopwatch.StartNew();
        var loadBefore = Host.Load();
        Console.WriteLine($"hostile benchmark; load {loadBefore}");
        var yaml = await HostileFiles.YamlAsync();
        string multipart, stall, flood, spoofing, summary;
        using (var lab = Lab.Up(LabName, LabNet))
        {
            // The lab's own zones (the servers' and the pin zone), at the bench's limit instead of the lab's.
            var zone = lab.Plan.ConntrackZone;
            var zones = $"{zone}-{zone + 2}";
            var ctLimits = Path.Combine(Sh.RepositoryRoot, "ovs-config/ct-limits");
            Firmware? firmware = null;
            try
            {
                // What appliance-bridge does at boot on the box, here for the lab's userspace datapath.
                Sh.Check(ctLimits, "--datapath", "netdev", "--zones", zones, "--limit", ConntrackLimit.ToString(CultureInfo.InvariantCulture));
                var config = lab.WriteConfig();
                firmware = Firmware.StartOn(lab, config);
                lab.WaitServing("master", TimeSpan.FromSeconds(10));
                using var api = new ApiLoad(lab);
                using var memory = new MemorySampler(firmware.Pid);
                var datapath = Convert.ToUInt64(Sh.Check("ovs-vsctl", "get", "bridge", lab.Bridge, "datapath_id").Trim().Trim('"'), 16);
                var h = new HostileLab(lab, firmware, api, memory, datapath);

                Console.WriteLine($"reference: API requests for {ReferenceFor.TotalSeconds} s, no attack");
                // Warm-up, not counted: the first requests of each kind compile the API's paths.
                using (var warm = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await api.RunAsync(TimeSpan.FromMilliseconds(25), warm.Token);
                using var stop = new CancellationTokenSource(ReferenceFor);
                var quiet = await api.RunAsync(TimeSpan.FromMilliseconds(25), stop.Token);
                var hijack = await ChannelAttacks.HijackAsync(h);
                spoofing = await LanAttacks.SpoofingAsync(h);
                flood = await LanAttacks.SynFloodAsync(h, zone);
                multipart = await ChannelAttacks.MultipartAsync(h);
                stall = await ChannelAttacks.StallAsync(h, quiet, hijack);
                summary = await SummaryAsync(h);
            }
            finally
            {
                firmware?.Dispose();
                if (firmware is not null) await File.WriteAllTextAsync(FirmwareLog, firmware.Log);
                // tools/lab down (the lab's disposal) lifts the zones' limits and flushes them.
            }
        }
        var dhcp = await HostileFiles.DhcpAsync();
        // Last: it restarts the machine's Open vSwitch under every lab.
        var restart = await SwitchRestartBench.RunAsync();
        var loadAfter = Host.Load();

        var report = new StringBuilder();
        report.AppendLine("# Hostile inputs: what the box does");
        report.AppendLine();
        report.AppendLine(Host.Inv($"`tools/bench hostile`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Machine.Describe()}."));
        report.AppendLine(Host.Inv($"Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}. The whole run took {clock.Elapsed.TotalMinutes:0.0} min."));
        report.AppendLine();
        report.AppendLine(Host.Inv($"The real firmware (`dotnet appliance.dll run`, as the integration tests start it) on a `tools/lab` lab (`{LabName}`, {LabNet}.0/24: master on port 1, slave on port 2, the office client on port 4) with the lab's configuration: NAT mode, http probes of `/health` every 20 ms (timeout 40 ms, fall 3, rise 3), automatic failback, `hold_down: 5s`, the shipped `conntrack_limit` ({ConntrackLimit}) on conntrack zones of the run's own. Scenarios 1–4 run on that one lab and firmware, in the order hijack, spoofing, SYN flood, multipart, stall; scenario 6 on a second lab (`{DhcpLabName}`, {DhcpLabNet}.0/24) without firmware; scenario 7, which restarts the machine's Open vSwitch, on a third (`{SwitchRestartBench.LabName}`, {SwitchRestartBench.LabNet}.0/24). Issue 12 is the issue that asked for these protections; its figures from before the fix are quoted beside each result."));
        report.AppendLine();
        report.AppendLine(summary);
        report.Append(multipart);
        report.Append(stall);
        report.Append(flood);
        report.Append(spoofing);
        report.Append(yaml);
        report.Append(dhcp);
        report.Append(restart);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, report.ToString());
        Console.WriteLine(report);
        Console.WriteLine($"wrote {output}; the firmware's log is in {FirmwareLog}");
        return 0;
    }

    /// <summary>What the firmware looked like after everything: alive, its API, its memory high-water mark, the refusals.</summary>
    private static async Task<string> SummaryAsync(HostileLab h)
    {
        var status = await h.StatusAsync();
        var metrics = await h.Api.GetAsync("metrics");
        var refusals = Regex.Matches(metrics, "^appliance_switch_sessions_refused_total\\{reason=\"([a-z_]+)\"\\} (\\d+)$", RegexOptions.Multiline)
            .Where(m => m.Groups[2].Value != "0")
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}");
        var hwm = MemorySampler.StatusKb(h.Firmware.Pid, "VmHWM") / 1024.0;
        var rss = MemorySampler.StatusKb(h.Firmware.Pid, "VmRSS") / 1024.0;
        var t = new StringBuilder();
        var active = status.GetProperty("active").GetString();
        t.AppendLine(Host.Inv($"**After all of scenarios 1–4** the firmware process {(h.Firmware.HasExited ? "**had exited**" : "was the one started at the beginning, never restarted")}; its API answered; it held the real switch (`switch.connected`: {status.GetProperty("switch").GetProperty("connected").GetBoolean().ToString().ToLowerInvariant()}); {(active is null ? "**no server served the VIP**" : $"`{active}` served the VIP")}; `appliance_failovers_total` was {status.GetProperty("failovers").GetInt32()}; resident memory {rss:0.0} MB, high-water mark since start (VmHWM) **{hwm:0.0} MB** (the JIT-run firmware; the published NativeAOT one is smaller: bench/footprint.md); OpenFlow sessions refused or dropped, by reason: {string.Join(", ", refusals)}."));
        return t.ToString();
    }
}

/// <summary>The lab, firmware and instruments the scenarios share, and the moves they all make.</summary>
internal sealed class HostileLab(Lab lab, Firmware firmware, ApiLoad api, MemorySampler memory, ulong datapathId)
{
    public Lab Lab => lab;

    public Firmware Firmware => firmware;

    public ApiLoad Api => api;

    public MemorySampler Memory => memory;

    /// <summary>The lab bridge's datapath ID, which the firmware binds to (openflow.datapath_id: auto).</summary>
    public ulong DatapathId => datapathId;

    public async Task<JsonElement> StatusAsync() => JsonDocument.Parse(await api.GetAsync("api/status")).RootElement.Clone();

    /// <summary>One series of /metrics, e.g. <c>appliance_failovers_total</c>; 0 when absent.</summary>
    public async Task<double> MetricAsync(string series) => Metric(await api.GetAsync("metrics"), series);

    public static double Metric(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal)) return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>
    /// The bridge leaves the firmware: its controller is pointed at a socket nobody listens on. Not removed: Open
    /// vSwitch flushes a secure bridge's flows when it loses its last controller, and the servers must stay
    /// reachable through the rules the firmware programmed while a peer takes the switch's place. Returns once
    /// the firmware says the switch is gone.
    /// </summary>
    public async Task DetachAsync()
    {
        Sh.Check("ovs-vsctl", "set-controller", lab.Bridge, $"unix:/var/run/openvswitch/appliance-{lab.Name}-away.sock");
        await WaitConnectedAsync(false, TimeSpan.FromSeconds(10));
    }

    /// <summary>The bridge gets its controller back; returns the milliseconds until the firmware says it holds it with its rules confirmed.</summary>
    public async Task<double> ReattachAsync()
    {
        var start = Stopwatch.GetTimestamp();
        // As tools/lab sets the controller up.
        Sh.Check("ovs-vsctl", "set-controller", lab.Bridge, lab.Plan.Controller, "--", "set", "controller", lab.Bridge,
            "connection-mode=out-of-band", "inactivity_probe=5000", "max_backoff=1000");
        await WaitConnectedAsync(true, TimeSpan.FromSeconds(30));
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>A peer connected where the bridge connects, with its datapath ID and ports, admitted as the switch (MASTER role granted).</summary>
    public async Task<OpenFlowPeer> AdmittedPeerAsync()
    {
        var peer = await OpenFlowPeer.ConnectAsync(lab.Plan.Controller);
        try
        {
            await peer.HandshakeAsync(datapathId, OpenFlowPeer.PortsOf(lab));
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the firmware's status says the switch is (or is not) connected.</summary>
    private async Task WaitConnectedAsync(bool connected, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                if ((await StatusAsync()).GetProperty("switch").GetProperty("connected").GetBoolean() == connected) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not answering this instant: the deadline decides
            }
            if (Stopwatch.GetTimestamp() > deadline || firmware.HasExited)
            {
                throw new LabException($"the firmware did not report switch.connected={connected} within {timeout.TotalSeconds} s:\n{firmware.LogTail(20)}");
            }
            await Task.Delay(10);
        }
    }
}
