using System.Globalization;
using System.Text;
using static Appliance.Bench.PassiveBench;

namespace Appliance.Bench;

/// <summary>The text of <c>passive.md</c>: what <see cref="PassiveBench"/> measured, and how to read it.</summary>
internal static class PassiveReport
{
    public static string Write(int runs, List<SettingRuns> sets, string loadBefore, string loadAfter)
    {
        var t = new StringBuilder();
        var interval = Inv(RequestInterval.TotalMilliseconds);
        var timeout = Inv(RequestTimeout.TotalMilliseconds);
        var killAt = Inv(KillAt.TotalSeconds);
        var length = Inv(Length.TotalSeconds);
        t.AppendLine("# Passive health benchmark");
        t.AppendLine();
        t.AppendLine(Host.Inv($"`tools/bench passive`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {Machine.Describe()}."));
        t.AppendLine(Host.Inv($"Load average (1, 5, 15 min) before: {loadBefore}; after: {loadAfter}."));
        t.AppendLine();
        t.AppendLine("What a client of the VIP goes through when the master's service is killed, with passive health");
        t.AppendLine("(docs/configuration.md, \"Passive health\") and without. Probes look at a server every 20 ms; a client");
        t.AppendLine("that connects in between meets the dead service first. Its refusal (a reset to its SYN, ICMP port");
        t.AppendLine("unreachable to its datagram) goes back to it at once and, with passive health, is also what tells the");
        t.AppendLine("switch and the firmware that the server is gone: the refused client is meant to be the last one.");
        t.AppendLine(Host.Inv($"In every run, NAT mode, from the lab's client to the VIP, the master's services (nginx and the UDP echo) are killed"));
        t.AppendLine(Host.Inv($"{killAt} s into a {length} s measurement, then started again, and the next run waits until the master serves the VIP:"));
        t.AppendLine();
        t.AppendLine(Host.Inv($"- **New connections**: `labtool http-loop`, `GET /time` on a new TCP connection every {interval} ms, each given up"));
        t.AppendLine(Host.Inv($"  after {timeout} ms; **failed** = requests refused, reset or timed out in the run. Issue 14 asks for at most one"));
        t.AppendLine("  per run: the refused one. A request in progress on the master when its service died fails too (a reset of");
        t.AppendLine("  an answered connection, which is not a refusal), so a kill during a request costs two.");
        t.AppendLine(Host.Inv($"- **Datagrams**: `labtool udp-stream`, {UdpRate} requests a second to the VIP's port 7, each answered by the server's"));
        t.AppendLine("  echo; **lost** = unanswered, **unreachable** = whether an ICMP unreachable reached the client, and the");
        t.AppendLine("  datagrams after the first unreachable one that got no answer (refused too, or lost).");
        t.AppendLine();
        t.AppendLine("Three firmware settings, one firmware start each, all with the lab's `http` probe every 20 ms (fall 3,");
        t.AppendLine("rise 3), a probe timeout of 150 ms and `hold_down: off` (the master is killed in every run by design):");
        t.AppendLine();
        t.AppendLine("- **passive on**, as shipped (`passive_refusals: 1`): the switch reports the refusal to the firmware and, on");
        t.AppendLine("  its own, sends the active server's next connections to the slave while it forwards the refusal (the");
        t.AppendLine("  reflex, firmware/Pipeline/RuleBuilder.Reflex.cs); the firmware's rules follow.");
        t.AppendLine("- **`passive_refusals: 2`**: the switch still reports every refusal, but cannot count to two, so it has no");
        t.AppendLine("  reflex: the firmware takes the master down after two refusals within `passive_within` (1 s), or its");
        t.AppendLine("  probes do first, and new connections move when its rules reach the switch.");
        t.AppendLine("- **`passive: off`**: the probes alone. A refused probe is repeated at once (fall − 1 times), so a kill is");
        t.AppendLine("  confirmed within a probe interval and a few round trips.");
        t.AppendLine();

        t.AppendLine("## New connections (HTTP requests)");
        t.AppendLine();
        t.AppendLine("| setting | runs | runs with ≤ 1 failed request | failed per run: median | mean | max | kinds of the failed requests | master down by a client's refusal |");
        t.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var set in sets)
        {
            var failed = Stats.Of([.. set.Http.Select(r => (double)r.Failed)]);
            var atMostOne = set.Http.Count(r => r.Failed <= 1);
            t.AppendLine(Host.Inv(
                $"| {set.Setting.Title} | {set.Http.Count} | **{atMostOne}/{set.Http.Count} ({Stats.F(100.0 * atMostOne / set.Http.Count, "0")} %)** | {Stats.F(failed.Median, "0.#")} | {Stats.F(failed.Mean, "0.0")} | {Stats.F(failed.Max, "0")} | {Tally(set.Http.SelectMany(r => r.Kinds), (k, n) => Host.Inv($"{k} {n}"))} | {set.Http.Count(r => ByAClient(r.Down))}/{set.Http.Count} |"));
        }
        t.AppendLine();
        t.AppendLine(Host.Inv($"## Datagrams (UDP, {UdpRate}/s to port 7)"));
        t.AppendLine();
        t.AppendLine("| setting | runs | an unreachable reached the client | lost: median | max | lost after the first unreachable: median | max | master down by a client's refusal |");
        t.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var set in sets)
        {
            var lost = Stats.Of([.. set.Udp.Select(r => (double)r.Lost)]);
            var after = Stats.Of([.. set.Udp.Where(r => r.LostAfterFirstRefusal is not null).Select(r => (double)r.LostAfterFirstRefusal!.Value)]);
            t.AppendLine(Host.Inv(
                $"| {set.Setting.Title} | {set.Udp.Count} | {set.Udp.Count(r => r.Refused > 0)}/{set.Udp.Count} | **{Stats.F(lost.Median, "0.#")}** | {Stats.F(lost.Max, "0")} | {Stats.F(after.Median, "0.#")} | {Stats.F(after.Max, "0")} | {set.Udp.Count(r => ByAClient(r.Down))}/{set.Udp.Count} |"));
        }
        t.AppendLine();
        t.AppendLine("The firmware's reasons for taking the master down (its log), over both instruments' runs:");
        t.AppendLine();
        foreach (var set in sets)
        {
            t.AppendLine($"- {set.Setting.Title}: {Tally(set.Http.Select(r => r.Down).Concat(set.Udp.Select(r => r.Down)).Select(d => d ?? "no down event"), (d, n) => Host.Inv($"{n} × {d}"), "; ")}.");
        }
        t.AppendLine();

        t.AppendLine("## How to read it");
        t.AppendLine();
        t.AppendLine("- **Kinds**: `refused` is a reset to the SYN, the dead service's own answer and the refusal passive health");
        t.AppendLine("  counts; `reset` a request that was in progress when the service died, or one that met the dead server after");
        t.AppendLine("  its handshake; `timeout` a client left waiting (a killed service refuses: none is expected).");
        t.AppendLine("- **More than one refused request with passive on**: the refusal reaches the switch's rules at once, but Open");
        t.AppendLine("  vSwitch's userspace datapath keeps using the flows it cached for a few milliseconds after they change, and");
        t.AppendLine("  a client that tries again at once can meet the dead server again (tests/Appliance.Integration.Tests,");
        t.AppendLine("  PassiveHealthTests).");
        t.AppendLine("- **The last column** says who caught the kill: a client's refusal (passive health) or the probes. With");
        t.AppendLine("  `passive: off` it is always the probes; with two refusals needed, whichever comes first.");
        t.AppendLine("- **Datagrams**: the one in the echo server when it died is lost without an unreachable; the ones lost after");
        t.AppendLine("  the first unreachable still reached the dead server after it had refused one.");
        t.AppendLine();

        t.AppendLine("## Per run");
        t.AppendLine();
        t.AppendLine("New connections: failed requests (their kinds), and what took the master down (`client`: a client's refusal, `probes`).");
        t.AppendLine();
        t.AppendLine("| run | " + string.Join(" | ", sets.Select(s => s.Setting.Title)) + " |");
        t.AppendLine("|---|" + string.Concat(sets.Select(_ => "---|")));
        for (var i = 0; i < runs; i++)
        {
            t.AppendLine(Host.Inv($"| {i + 1} | ") + string.Join(" | ", sets.Select(s => i < s.Http.Count ? Host.Inv($"{s.Http[i].Failed} ({Kinds(s.Http[i].Kinds)}), {Caught(s.Http[i].Down)}") : "—")) + " |");
        }
        t.AppendLine();
        t.AppendLine("Datagrams: lost of sent; lost after the first unreachable, or no unreachable; what took the master down.");
        t.AppendLine();
        t.AppendLine("| run | " + string.Join(" | ", sets.Select(s => s.Setting.Title)) + " |");
        t.AppendLine("|---|" + string.Concat(sets.Select(_ => "---|")));
        for (var i = 0; i < runs; i++)
        {
            t.AppendLine(Host.Inv($"| {i + 1} | ") + string.Join(" | ", sets.Select(s => i < s.Udp.Count ? UdpCell(s.Udp[i]) : "—")) + " |");
        }
        return t.ToString();
    }

    private static string UdpCell(UdpRun r) =>
        Host.Inv($"{r.Lost}/{r.Sent}; ") + (r.LostAfterFirstRefusal is { } after ? Host.Inv($"{after} after the first unreachable") : "no unreachable") + $", {Caught(r.Down)}";

    private static string Caught(string? down) => down is null ? "no down event" : ByAClient(down) ? "client" : "probes";

    /// <summary>How many of each, most first, e.g. "refused 12, reset 3".</summary>
    private static string Tally(IEnumerable<string> values, Func<string, int, string> format, string separator = ", ")
    {
        var counts = values.GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => format(g.Key, g.Count())).ToList();
        return counts.Count == 0 ? "none" : string.Join(separator, counts);
    }

    private static string Inv(double value) => value.ToString(CultureInfo.InvariantCulture);
}
