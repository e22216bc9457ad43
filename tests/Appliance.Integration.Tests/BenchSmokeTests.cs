using System.Globalization;
using System.Text.RegularExpressions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Smoke runs of <c>tools/bench paper</c>, <c>tools/bench compare</c> (issue 6), <c>tools/bench connections</c>
/// (issue 13) and <c>tools/bench passive</c> (issue 14): one run each, into a
/// temporary directory (bench/ is left alone), and the reports are produced and parseable. The full
/// runs are not for CI.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed partial class BenchSmokeTests
{
    private static readonly string Bench = Path.Combine(Sh.RepositoryRoot, "tools/bench");

    /// <summary>A Debug build of the benchmarks reuses the firmware this test run already compiled (a Release build costs a minute or two here).</summary>
    [ClassInitialize]
    public static void UseDebugBuild(TestContext context) => Environment.SetEnvironmentVariable("BENCH_CONFIGURATION", "Debug");

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void PaperWritesTheStudysTablesWithOurNumbersAndAPlot()
    {
        var dir = Directory.CreateTempSubdirectory("bench-smoke-paper.").FullName;
        try
        {
            // 5 s iperf runs instead of the study's 20 s keep the smoke short.
            var result = Sh.Run(Bench, "paper", "--runs", "1", "--iperf-seconds", "5", "--output", dir);
            Assert.AreEqual(0, result.ExitCode, result.ToString());
            var report = File.ReadAllText(Path.Combine(dir, "paper.md"));
            foreach (var table in new[] { "Table 5", "Table 6", "Table 7", "Table 8" })
            {
                var rows = TableAfter(report, "## " + table);
                Assert.AreEqual(10 + 3, rows.Count, $"{table}: 10 study runs + mean, min, max\n{report}");
                foreach (var label in new[] { "mean", "min", "max" })
                {
                    var row = rows.Single(r => r[0] == label);
                    // study column and our column are numbers.
                    Number(row[1], $"{table} {label} (study)");
                    Number(row[2], $"{table} {label} (ours)");
                }
                Number(rows[0][2], $"{table} run 1 (ours)");
            }
            // Our downtime is a positive number of ms, far below the study's.
            var downtime = Number(TableAfter(report, "## Table 5").Single(r => r[0] == "mean")[2], "downtime");
            Assert.IsTrue(downtime is > 0 and < 1000, $"downtime {downtime} ms");
            var png = File.ReadAllBytes(Path.Combine(dir, "paper.png"));
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png.Take(4).ToArray(), "paper.png is a PNG");
            Assert.HasCount(1 + 1, File.ReadAllLines(Path.Combine(dir, "paper", "downtime.csv")), "header + 1 run");
            Assert.IsTrue(File.Exists(Path.Combine(dir, "paper", "downtime-01.log")));
            Assert.IsTrue(File.Exists(Path.Combine(dir, "paper", "iperf-failover-01.txt")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void CompareWritesOutageAndLossPerFaultAndSystem()
    {
        var dir = Directory.CreateTempSubdirectory("bench-smoke-compare.").FullName;
        try
        {
            var result = Sh.Run(Bench, "compare", "--runs", "1", "--output", dir);
            Assert.AreEqual(0, result.ExitCode, result.ToString());
            var report = File.ReadAllText(Path.Combine(dir, "compare.md"));
            foreach (var title in new[] { "## Outage on failover", "## Datagrams lost on failover" })
            {
                var rows = TableAfter(report, title);
                CollectionAssert.AreEqual(new[] { "link-down", "kill", "freeze" }, rows.Select(r => r[0]).ToArray(), title);
                foreach (var row in rows)
                {
                    Assert.AreEqual(5, row.Length, $"{title}: fault + 4 systems\n{report}");
                    foreach (var cell in row.Skip(1)) Number(cell, $"{title}, {row[0]}");
                }
            }
            // The study's static group watches ports only: a killed service is never failed over.
            var outage = TableAfter(report, "## Outage on failover");
            StringAssert.Contains(outage.Single(r => r[0] == "kill")[2], "not detected");
            // The appliance fails over on every fault.
            foreach (var row in outage) Assert.DoesNotContain("not detected", row[1], $"appliance, {row[0]}");
            var csv = File.ReadAllLines(Path.Combine(dir, "compare", "runs.csv"));
            Assert.HasCount(1 + 4 * 3, csv, string.Join('\n', csv));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void ConnectionsWritesHeldConnectionsLostAndNewConnectionsPerEventAndSystem()
    {
        const int held = 4;
        var dir = Directory.CreateTempSubdirectory("bench-smoke-connections.").FullName;
        try
        {
            var result = Sh.Run(Bench, "connections", "--runs", "1", "--connections", held.ToString(CultureInfo.InvariantCulture), "--output", dir);
            Assert.AreEqual(0, result.ExitCode, result.ToString());
            var report = File.ReadAllText(Path.Combine(dir, "connections.md"));
            string[] events = ["failback", "failback-link", "false-alarm", "kill", "link-cut"];
            var lost = TableAfter(report, "## Held connections lost");
            CollectionAssert.AreEqual(events, lost.Select(r => r[0]).ToArray(), report);
            foreach (var row in lost)
            {
                Assert.AreEqual(4, row.Length, $"event + 3 systems\n{report}");
                // The static group never fails over a killed service: the kill-based failback has nothing to hold.
                // A run that broke shows as "—"; the bench's output says why.
                var failed = string.Join("\n", result.Output.Split('\n').Where(l => l.Contains("FAILED", StringComparison.Ordinal)));
                foreach (var cell in row.Skip(1).Where(c => !c.StartsWith("none opened", StringComparison.Ordinal))) Number(cell, $"lost, {row[0]} ({failed})");
            }
            StringAssert.StartsWith(lost.Single(r => r[0] == "failback")[2], "none opened (refused");
            // A killed web server takes its connections along under every system.
            foreach (var cell in lost.Single(r => r[0] == "kill").Skip(1)) Assert.AreEqual(held, Number(cell, "lost on kill"), report);
            // Nothing moves a stalled master's connections in the static group: they all survive the stall.
            Assert.AreEqual(0, Number(lost.Single(r => r[0] == "false-alarm")[2], "static group, false alarm"), report);

            var fresh = TableAfter(report, "## New connections after the event");
            CollectionAssert.AreEqual(events.Select(e => e is "kill" or "link-cut" ? $"{e} → slave" : $"{e} → master").ToArray(), fresh.Select(r => r[0]).ToArray(), report);
            var kill = fresh.Single(r => r[0] == "kill → slave");
            var (onSlave, sent) = Fraction(kill[1], "appliance: new connections after a kill");
            Assert.IsTrue(sent > 0 && onSlave == sent, $"appliance: {onSlave}/{sent} new connections on the slave after a kill\n{report}");
            Assert.AreEqual(0, Fraction(kill[2], "static group: new connections after a kill").Part, report);
            foreach (var title in new[] { "## Surviving held connections", "## Longest stall" }) Assert.HasCount(events.Length, TableAfter(report, title), title);
            var csv = File.ReadAllLines(Path.Combine(dir, "connections", "runs.csv"));
            Assert.HasCount(1 + 3 * events.Length, csv, string.Join('\n', csv));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void PassiveWritesFailedRequestsAndLostDatagramsPerSetting()
    {
        var dir = Directory.CreateTempSubdirectory("bench-smoke-passive.").FullName;
        try
        {
            var result = Sh.Run(Bench, "passive", "--runs", "1", "--output", dir);
            Assert.AreEqual(0, result.ExitCode, result.ToString());
            var report = File.ReadAllText(Path.Combine(dir, "passive.md"));
            string[] settings = ["passive on", "`passive_refusals: 2`", "`passive: off`"];
            foreach (var title in new[] { "## New connections", "## Datagrams" })
            {
                var rows = TableAfter(report, title);
                Assert.HasCount(settings.Length, rows, $"{title}: one row per setting\n{report}");
                foreach (var (row, setting) in rows.Zip(settings))
                {
                    StringAssert.StartsWith(row[0], setting, title);
                    Assert.AreEqual(8, row.Length, $"{title}, {setting}\n{report}");
                    Assert.AreEqual(1, Number(row[1], $"{title}, {setting}: runs"));
                    // The median lost or failed of one run is a number, never "—".
                    Number(row[3], $"{title}, {setting}: median");
                }
                // Without passive health only the probes can take the master down.
                Assert.AreEqual(0, Fraction(rows[2][7], $"{title}, passive off: down by a client's refusal").Part, report);
            }
            Assert.AreEqual(1, Fraction(TableAfter(report, "## New connections")[0][2], "runs with at most 1 failed").Whole, report);
            var perRun = TableAfter(report, "## Per run");
            Assert.HasCount(1, perRun, report);
            Assert.HasCount(1 + settings.Length, perRun[0], report);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The body rows of the first markdown table after <paramref name="heading"/>, cells trimmed.</summary>
    private static List<string[]> TableAfter(string report, string heading)
    {
        var start = report.IndexOf(heading, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"no '{heading}' in\n{report}");
        var lines = report[start..].Split('\n').SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.IsGreaterThanOrEqualTo(3, lines.Count, $"no table after '{heading}'");
        return [.. lines.Skip(2).Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray())];
    }

    /// <summary>The first number in a cell (cells look like "**8.5** (8.0–18.8)" or "12.4").</summary>
    private static double Number(string cell, string what)
    {
        var m = NumberRegex().Match(cell);
        Assert.IsTrue(m.Success, $"{what}: no number in '{cell}'");
        return double.Parse(m.Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The first "k/n" in a cell (cells look like "**48/50**; worst: ...").</summary>
    private static (int Part, int Whole) Fraction(string cell, string what)
    {
        var m = FractionRegex().Match(cell);
        Assert.IsTrue(m.Success, $"{what}: no k/n in '{cell}'");
        return (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"-?\d+(\.\d+)?")]
    private static partial Regex NumberRegex();

    [GeneratedRegex(@"(\d+)/(\d+)")]
    private static partial Regex FractionRegex();
}
