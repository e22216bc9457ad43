namespace Appliance.Bench;

/// <summary>
/// <c>tools/bench passive</c>: what passive health (docs/configuration.md, "Passive health") spares the
/// clients when the master's service is killed. The scenario of PassiveHealthTests, measured rather than
/// asserted, under three settings: passive health as shipped (the switch's own reflex and the firmware),
/// the firmware alone (<c>passive_refusals: 2</c>: the switch cannot count, so it has no reflex), and
/// probes alone. One lab, one firmware per setting; writes <c>passive.md</c> (<see cref="PassiveReport"/>).
/// </summary>
internal static class PassiveBench
{
    private const string LabName = "bp";
    private const string LabNet = "198.19.77";

    /// <summary>
    /// No hold-down: the master is killed and comes back twice per run by design. A probe timeout that a
    /// loaded machine does not trip by itself: this is about the clients, not about probes timing out.
    /// </summary>
    internal static readonly string[] Common = ["macs=yes", "hold=off", "timeout=150ms"];

    internal static readonly TimeSpan Length = TimeSpan.FromMilliseconds(1500);
    internal static readonly TimeSpan KillAt = TimeSpan.FromMilliseconds(700);
    internal static readonly TimeSpan RequestInterval = TimeSpan.FromMilliseconds(10);
    internal static readonly TimeSpan RequestTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Datagrams a second: one every 10 ms, as the requests.</summary>
    internal const int UdpRate = 100;

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>One firmware configuration: <paramref name="Settings"/> are <c>tools/lab config</c> keys on top of <see cref="Common"/>.</summary>
    internal sealed record Setting(string Key, string Title, string[] Settings);

    internal static readonly Setting[] Settings =
    [
        new("on", "passive on (default): the switch's reflex and the firmware", []),
        new("refusals-2", "`passive_refusals: 2`: the firmware alone", ["passive_refusals=2"]),
        new("off", "`passive: off`: probes alone (http every 20 ms)", ["passive=off"]),
    ];

    /// <summary>One HTTP run: the kinds of the requests that failed, in order, and the firmware's reason for taking the master down.</summary>
    internal sealed record HttpRun(IReadOnlyList<string> Kinds, long Sent, long OnSlave, string? Down)
    {
        public int Failed => Kinds.Count;
    }

    /// <summary>One UDP run: datagrams lost, refused (ICMP unreachable), and lost from the first refused one on.</summary>
    internal sealed record UdpRun(long Sent, long Lost, long Refused, long? LostAfterFirstRefusal, string? Down);

    internal sealed record SettingRuns(Setting Setting, List<HttpRun> Http, List<UdpRun> Udp);

    public static async Task<int> RunAsync(int runs, string outputDir)
    {
        var loadBefore = Host.Load();
        Console.WriteLine($"passive health benchmark: {runs} runs per instrument and setting; load {loadBefore}");
        var results = new List<SettingRuns>();
        using (var lab = Lab.Up(LabName, LabNet))
        {
            foreach (var setting in Settings)
            {
                using var firmware = Firmware.StartOn(lab, lab.WriteConfig([.. Common, .. setting.Settings]));
                lab.WaitServing("master", Settle);
                var set = new SettingRuns(setting, [], []);
                for (var i = 1; i <= runs; i++)
                {
                    var run = await HttpRunAsync(lab, firmware);
                    set.Http.Add(run);
                    Console.WriteLine(Host.Inv($"  {setting.Key} http run {i}: {run.Failed} failed ({Kinds(run.Kinds)}) of {run.Sent}, {run.OnSlave} answered by the slave; master down: {run.Down ?? "no event"}"));
                }
                for (var i = 1; i <= runs; i++)
                {
                    var run = await UdpRunAsync(lab, firmware);
                    set.Udp.Add(run);
                    Console.WriteLine(Host.Inv($"  {setting.Key} udp run {i}: {run.Lost}/{run.Sent} lost, {run.Refused} refused, {run.LostAfterFirstRefusal?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"} lost after the first; master down: {run.Down ?? "no event"}"));
                }
                results.Add(set);
            }
        }
        var report = PassiveReport.Write(runs, results, loadBefore, Host.Load());
        Directory.CreateDirectory(outputDir);
        var output = Path.Combine(outputDir, "passive.md");
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine(report);
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    /// <summary>"refused+reset", or "none".</summary>
    internal static string Kinds(IReadOnlyList<string> kinds) => kinds.Count == 0 ? "none" : string.Join("+", kinds);

    private static async Task<HttpRun> HttpRunAsync(Lab lab, Firmware firmware)
    {
        var logFrom = firmware.Log.Length;
        var loop = lab.StartHttpLoop(Length, RequestInterval, RequestTimeout);
        var r = await KillAndRestartAsync(lab, loop.ReportAsync());
        return new HttpRun([.. r.Failures.Select(f => f.Kind)], r.Sent, r.Servers.GetValueOrDefault("slave"), MasterDown(firmware.Log[logFrom..]));
    }

    private static async Task<UdpRun> UdpRunAsync(Lab lab, Firmware firmware)
    {
        var logFrom = firmware.Log.Length;
        var stream = lab.StartUdpStream(Length, UdpRate);
        var r = await KillAndRestartAsync(lab, stream.ReportAsync());
        return new UdpRun(r.Sent, r.Lost, r.Refused, r.LostAfterFirstRefusal, MasterDown(firmware.Log[logFrom..]));
    }

    /// <summary>
    /// The master's services killed <see cref="KillAt"/> into the measurement, and once it has ended,
    /// started again; returns when the VIP is the master's again, so every run starts alike.
    /// </summary>
    private static async Task<T> KillAndRestartAsync<T>(Lab lab, Task<T> measurement)
    {
        try
        {
            await Task.Delay(KillAt);
            lab.Fault("kill", "master");
            return await measurement;
        }
        finally
        {
            lab.Fault("restart", "master");
            lab.WaitServing("master", Settle);
        }
    }

    /// <summary>The firmware's reason for the master's first "down" in a piece of its log; null when it logged none.</summary>
    private static string? MasterDown(string log)
    {
        const string Marker = "master down: ";
        var line = log.Split('\n').FirstOrDefault(l => l.Contains(Marker, StringComparison.Ordinal));
        return line?[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim();
    }

    /// <summary>Whether a down reason is passive health's (a client refused), not the probes'.</summary>
    internal static bool ByAClient(string? down) => down?.Contains("client connection", StringComparison.Ordinal) == true;
}
