using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Appliance.Bench;

/// <summary>
/// Scenarios 5 and 6 of <c>tools/bench hostile</c>: a configuration file written to hurt the reader
/// (<c>appliance check</c>), and a DHCP lease the configuration would refuse, through the box's own
/// scripts (busybox udhcpc, udhcpc-event, appliance-bridge) as DhcpTests runs them.
/// </summary>
internal static class HostileFiles
{
    private const int Runs = 3;

    private const string Valid = """
        bridge: { name: br0, management: 192.168.1.250/24 }
        service: { vip: 192.168.1.10 }
        servers:
          - { name: master, address: 192.168.1.1, port: 1 }
          - { name: slave, address: 192.168.1.2, port: 2 }

        """;

    /// <summary>Scenario 5: <c>appliance check</c> against hostile files; time, peak memory, exit code, lines printed.</summary>
    public static async Task<string> YamlAsync()
    {
        Console.WriteLine("5. hostile YAML");
        var dir = Directory.CreateTempSubdirectory("hostile-yaml-");
        var rows = new List<string>();
        try
        {
            (string What, string Text, string Before)[] files =
            [
                ("a valid configuration (for comparison)", Valid, ""),
                ("14 MB of aliases of a mapping of unknown keys", Aliases(14_000_000), "46 s, 6 GB, 6 million errors printed"),
                ("a 12 MB key", HugeKey(12_000_000), "2 GB"),
                ("1,000,000 bytes of aliases (under the 1 MiB limit)", Aliases(1_000_000), ""),
                ("a 1,000,000-character key (under the 1 MiB limit)", HugeKey(1_000_000), ""),
                ("a billion laughs (9 levels of 10 aliases, 1 KB)", Laughs(), ""),
            ];
            foreach (var (what, text, before) in files)
            {
                var path = Path.Combine(dir.FullName, $"f{rows.Count}.yml");
                await File.WriteAllTextAsync(path, text);
                var runs = new List<(double Seconds, double Mb, int Exit, int Lines, string First)>();
                for (var i = 0; i < Runs; i++) runs.Add(Check(path, Path.Combine(dir.FullName, "time.txt")));
                var time = Stats.Of([.. runs.Select(r => r.Seconds)]);
                var first = runs[0].First.Replace(path, "FILE", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);
                if (first.Length > 150) first = first[..150] + "…";
                rows.Add(Host.Inv($"| {what} | {new FileInfo(path).Length / 1e6:0.00} MB | **{time.Median:0.00} s** ({time.Min:0.00}–{time.Max:0.00}) | **{runs.Max(r => r.Mb):0} MB** | {string.Join(", ", runs.Select(r => r.Exit).Distinct())} | {runs[0].Lines} | `{first}` | {before} |"));
                Console.WriteLine($"  {what}: {time.Median:0.00} s, {runs.Max(r => r.Mb):0} MB, exit {runs[0].Exit}, {runs[0].Lines} lines");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        var t = new StringBuilder();
        t.AppendLine("## 5. Hostile YAML");
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Tried**: `appliance check --config FILE` of the firmware the lab runs (`dotnet appliance.dll`, so the .NET runtime's start-up is in every figure: compare with the valid file), {Runs} runs per file under `/usr/bin/time` (wall time; peak memory = maximum resident set size)."));
        t.AppendLine();
        t.AppendLine("**The box**, as the first line of each answer shows: a file over 1 MiB is refused before it is parsed; under the limit, aliases that repeat more than 10000 values are refused without being expanded, and a key is echoed cut to 60 characters; at most 20 errors are ever printed (docs/configuration.md).");
        t.AppendLine();
        t.AppendLine("| file | size | time (median, min–max) | peak memory | exit | lines printed | first line | before the fix (issue 12) |");
        t.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in rows) t.AppendLine(row);
        t.AppendLine();
        return t.ToString();
    }

    private static (double Seconds, double Mb, int Exit, int Lines, string First) Check(string path, string timeFile)
    {
        var result = Sh.Run("/usr/bin/time", "-f", "%e %M", "-o", timeFile, "dotnet", Firmware.Dll, "check", "--config", path);
        var measured = File.ReadAllText(timeFile).Trim().Split('\n')[^1].Split(' ');
        var lines = (result.Output + result.Error).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(measured[0], CultureInfo.InvariantCulture), double.Parse(measured[1], CultureInfo.InvariantCulture) / 1024, result.ExitCode, lines.Length, lines.FirstOrDefault() ?? "");
    }

    /// <summary>A mapping of 300 unknown keys, aliased in the servers list until the file has <paramref name="bytes"/> bytes.</summary>
    private static string Aliases(int bytes)
    {
        var text = new StringBuilder("bridge: { name: br0, management: 192.168.1.250/24 }\nservice: { vip: 192.168.1.10 }\n");
        text.Append("x: &m {").AppendJoin(", ", Enumerable.Range(0, 300).Select(i => $"k{i}: 1")).Append("}\nservers: [*m");
        while (text.Length + 5 < bytes) text.Append(", *m");
        return text.Append("]\n").ToString();
    }

    /// <summary>An explicit key ("? KEY": YAML bounds implicit keys, not explicit ones) that makes the file <paramref name="bytes"/> long.</summary>
    private static string HugeKey(int bytes) => Valid + "? " + new string('a', bytes - Valid.Length - 8) + "\n: 1\n";

    private static string Laughs()
    {
        var text = new StringBuilder(Valid).Append("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level < 9; level++) text.Append(CultureInfo.InvariantCulture, $"l{level}: &l{level} [").AppendJoin(", ", Enumerable.Repeat($"*l{level - 1}", 10)).Append("]\n");
        return text.ToString();
    }

    /// <summary>
    /// Scenario 6: the box's DHCP client (appliance-dhcp: busybox udhcpc with udhcpc-event) on a lab bridge,
    /// offered the VIP by busybox udhcpd in the office namespace, then a valid address. The box's folders are a
    /// temporary directory; its console is a file; no router is offered, so the host's routes are untouched.
    /// </summary>
    public static async Task<string> DhcpAsync()
    {
        Console.WriteLine("6. a DHCP lease that equals the VIP");
        using var lab = Lab.Up(HostileBench.DhcpLabName, HostileBench.DhcpLabNet);
        // Without the firmware the bridge (fail_mode=secure) forwards nothing; a learning rule is all DHCP needs.
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "add-flow", lab.Bridge, "cookie=0x1ab,priority=0,actions=NORMAL");
        var box = new BoxFolder(lab);
        Background? server = null;
        Background? client = null;
        try
        {
            var original = await File.ReadAllBytesAsync(box.Yml);
            server = Serve(lab, box, lab.Vip, 1);
            var start = Stopwatch.GetTimestamp();
            client = StartClient(box);
            var refusedAfter = await WaitForConsoleAsync(box, "refused", start, client);
            var refusal = box.Console.Trim();
            // As the box would say it: its folder is /etc/appliance there.
            var shown = refusal.Replace(Path.GetDirectoryName(box.Yml)!, "/etc/appliance", StringComparison.Ordinal);
            var now = await File.ReadAllBytesAsync(box.Yml);
            var ymlKept = original.AsSpan().SequenceEqual(now);
            var address = box.BridgeAddresses();
            var renewal = box.RunEvent("renew", lab.Vip);
            var oneLine = box.Console.Trim() == refusal;

            var valid = $"{HostileBench.DhcpLabNet}.50";
            server.Dispose();
            server = Serve(lab, box, valid, 2);
            // Release and ask again, as a client whose lease the new server does not renew would.
            Sh.Check("kill", "-USR2", client.Pid.ToString(CultureInfo.InvariantCulture));
            await Task.Delay(300);
            start = Stopwatch.GetTimestamp();
            Sh.Check("kill", "-USR1", client.Pid.ToString(CultureInfo.InvariantCulture));
            var appliedAfter = await WaitForConsoleAsync(box, $"-> {valid}/24", start, client);
            var applied = box.BridgeAddresses();
            Console.WriteLine($"  VIP refused after {refusedAfter:0.00} s; {valid} applied after {appliedAfter:0.00} s");

            var t = new StringBuilder();
            t.AppendLine("## 6. A DHCP lease that equals the VIP");
            t.AppendLine();
            t.AppendLine("**Tried**: the box's management DHCP path with its real scripts (`appliance-dhcp`: busybox udhcpc on the bridge, calling");
            t.AppendLine("`udhcpc-event`, which hands the lease to `appliance-bridge`), its `/etc/appliance` in a temporary folder, the firmware the");
            t.AppendLine(Host.Inv($"lab runs as `appliance` (for `appliance check`); busybox udhcpd in the office namespace offers the VIP ({lab.Vip}), then, after a release and renew, a valid address."));
            t.AppendLine();
            t.AppendLine("| figure | measured | before the fix (issue 12) |");
            t.AppendLine("|---|---|---|");
            t.AppendLine(Host.Inv($"| DHCP client started → lease refused (console line) | **{refusedAfter:0.00} s** | the lease was written into appliance.yml; `appliance check` then failed and `Restart=always` restarted the firmware every second, for good |"));
            t.AppendLine(Host.Inv($"| what the console (and the journal) says | `{shown.Replace("|", "\\|", StringComparison.Ordinal)}` (the temporary folder shown as /etc/appliance) | |"));
            t.AppendLine(Host.Inv($"| appliance.yml after the refusal | {(ymlKept ? "unchanged, byte for byte" : "**changed**")} | held the VIP as management address |"));
            t.AppendLine(Host.Inv($"| the bridge's address after the refusal | {address} ({(address == $"{lab.Management}/24" ? "the old one, kept" : "**not the old one**")}) | |"));
            t.AppendLine(Host.Inv($"| the same lease renewed | exit {renewal.ExitCode} (3: refused), {(oneLine ? "no second console line" : "**another console line**")} | |"));
            t.AppendLine(Host.Inv($"| a valid lease ({valid}) after release and renew → applied (console line) | {appliedAfter:0.00} s; bridge now {applied} | |"));
            t.AppendLine();
            t.AppendLine("No firmware runs on this lab: what decides whether it would keep running is that nothing it reads changed (appliance.yml");
            t.AppendLine("above). `RestartPreventExitStatus=2` in the unit (a refused configuration exits 2 and is not restarted in a loop) and the");
            t.AppendLine("status page of a refused configuration are covered by the tests (UnitFileTests, RefusedConfigurationTests), not measured here.");
            t.AppendLine();
            return t.ToString();
        }
        finally
        {
            client?.Dispose();
            server?.Dispose();
            box.Dispose();
        }
    }

    /// <summary>busybox udhcpd in the office namespace, offering exactly <paramref name="address"/> and no router.</summary>
    private static Background Serve(Lab lab, BoxFolder box, string address, int generation) =>
        Background.InHost(lab, "client", "busybox", "udhcpd", "-f", "-a", "200", box.UdhcpdConf(address, generation));

    /// <summary>appliance-dhcp as appliance-dhcp.service runs it: udhcpc in the foreground on the bridge.</summary>
    private static Background StartClient(BoxFolder box) =>
        Background.Start("env", [.. box.Environment.Select(e => $"{e.Key}={e.Value}"), box.Script("appliance-dhcp")]);

    /// <summary>Seconds from <paramref name="since"/> until the console shows <paramref name="text"/>.</summary>
    private static async Task<double> WaitForConsoleAsync(BoxFolder box, string text, long since, Background client)
    {
        var deadline = since + (30 * Stopwatch.Frequency);
        while (!box.Console.Contains(text, StringComparison.Ordinal))
        {
            if (client.HasExited || Stopwatch.GetTimestamp() > deadline)
            {
                throw new LabException($"the console did not show '{text}' within 30 s:\n{box.Console}\nudhcpc:\n{client.Output}");
            }
            await Task.Delay(20);
        }
        return Stopwatch.GetElapsedTime(since).TotalSeconds;
    }
}
