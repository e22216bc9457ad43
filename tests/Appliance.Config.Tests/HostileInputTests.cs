using System.Diagnostics;
using System.Globalization;
using System.Text;
using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary>
/// Files written to hurt the reader (issue 12, item 9): huge files, aliases that multiply the document, floods of
/// errors, huge keys, terminal escape sequences, tabs. Each is refused quickly, with bounded output that is safe
/// to print. The inputs are sized so that the reader before these limits needed seconds and ~100 MB, not gigabytes;
/// the timeouts stop a regression from eating the machine.
/// </summary>
[TestClass]
public sealed class HostileInputTests
{
    private const int OneMiB = 1024 * 1024;
    private const string TooLarge = "cannot read the configuration file: it is larger than 1 MiB (1048576 bytes)";

    private static readonly string Root = Path.Combine(Path.GetTempPath(), "appliance-hostile-tests-" + Guid.NewGuid().ToString("N"));

    private static string TempFile()
    {
        Directory.CreateDirectory(Root);
        return Path.Combine(Root, Guid.NewGuid().ToString("N") + ".yml");
    }

    [ClassCleanup]
    public static void RemoveTempDir()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    /// <summary>A valid configuration padded with comment lines to exactly <paramref name="bytes"/> bytes.</summary>
    private static string Padded(int bytes)
    {
        var text = new StringBuilder(Minimal).Append('\n');
        string line = "# " + new string('x', 97) + "\n";
        while (text.Length + line.Length <= bytes) text.Append(line);
        int rest = bytes - text.Length;
        text.Append('#').Append('x', rest - 1);
        Assert.AreEqual(bytes, text.Length);
        return text.ToString();
    }

    [TestMethod]
    [Timeout(60_000)]
    public void AFileLargerThanOneMebibyteIsRefused()
    {
        string path = TempFile();
        File.WriteAllText(path, Padded(OneMiB + 1));
        Assert.IsFalse(ConfigLoader.TryLoad(path, out _, out IReadOnlyList<ConfigError> errors));
        Assert.AreEqual(new ConfigError(path, 0, 0, "", TooLarge), errors.Single());
    }

    [TestMethod]
    public void AFileOfExactlyOneMebibyteIsRead()
    {
        string path = TempFile();
        File.WriteAllText(path, Padded(OneMiB));
        Assert.AreEqual("master", ConfigLoader.Load(path).Master.Name);
    }

    [TestMethod]
    [Timeout(60_000)]
    public async Task AFileWithoutASizeIsReadOnlyUpToTheLimit()
    {
        // A pipe has no size to check first: the reader must stop on its own, as it would on /dev/zero.
        string path = TempFile();
        using (var mkfifo = Process.Start("mkfifo", [path])) mkfifo.WaitForExit();
        byte[] content = Encoding.UTF8.GetBytes(Padded(3 * OneMiB));
        Task writer = Task.Run(() =>
        {
            try
            {
                using var pipe = new FileStream(path, FileMode.Open, FileAccess.Write);
                pipe.Write(content);
            }
            catch (IOException)
            {
                // The reader stopped reading (EPIPE): what this test wants.
            }
        });
        bool ok = ConfigLoader.TryLoad(path, out _, out IReadOnlyList<ConfigError> errors);
        if (!writer.IsCompleted)
        {
            // The reader never opened the pipe: let the writer finish so the test can fail cleanly.
            using var drain = new FileStream(path, FileMode.Open, FileAccess.Read);
            drain.CopyTo(Stream.Null);
        }
        await writer.ConfigureAwait(false);
        Assert.IsFalse(ok, "a 3 MiB stream was read whole");
        Assert.AreEqual(TooLarge, errors.Single().Message);
    }

    /// <summary>servers: a list of <paramref name="items"/> aliases of one mapping with <paramref name="keys"/> unknown keys.</summary>
    private static string AliasedServers(int keys, int items) =>
        "service: { vip: 10.0.0.100 }\n"
        + "x: &m {" + string.Join(", ", Enumerable.Range(0, keys).Select(i => $"k{i}: 1")) + "}\n"
        + "servers: [" + string.Join(", ", Enumerable.Repeat("*m", items)) + "]\n";

    [TestMethod]
    [Timeout(60_000)]
    public void AliasesThatMultiplyTheDocumentAreRefused()
    {
        // 3 KB of text, 300 x 300 server keys: 90,000 errors from the reader before the limit.
        ConfigError e = Single(AliasedServers(keys: 300, items: 300));
        Assert.AreEqual(3, e.Line, e.ToString());
        Assert.AreEqual("", e.Key);
        Assert.AreEqual(
            "aliases repeat more than 10000 values; write them out (a document that multiplies itself through aliases is refused)",
            e.Message);
    }

    [TestMethod]
    [Timeout(60_000)]
    public void ABillionLaughsIsRefusedWithoutExpandingIt()
    {
        // Nine levels of ten: a billion values if expanded.
        var text = new StringBuilder("service: { vip: 10.0.0.100 }\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int level = 1; level < 9; level++)
        {
            text.Append(CultureInfo.InvariantCulture, $"l{level}: &l{level} [")
                .AppendJoin(", ", Enumerable.Repeat($"*l{level - 1}", 10)).Append("]\n");
        }
        text.Append("servers: [").AppendJoin(", ", Enumerable.Repeat("*l8", 10)).Append("]\n");
        ConfigError e = Single(text.ToString());
        Assert.StartsWith("aliases repeat more than 10000 values", e.Message);
    }

    [TestMethod]
    public void AFewAliasesStillWork()
    {
        ApplianceConfig c = Parse("""
            service: { vip: 10.0.0.100 }
            servers:
              - &master { name: master, address: 10.0.0.1, port: &p 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            panel: { chip: *p }
            """);
        Assert.AreEqual(1, c.Panel.Chip);
    }

    [TestMethod]
    public void OnlyTheFirstTwentyErrorsArePrinted()
    {
        string text = string.Concat(Enumerable.Range(0, 100).Select(i => $"unknown{i}: 1\n"));
        ConfigException ex = Assert.ThrowsExactly<ConfigException>(() => Parse(text));
        Assert.HasCount(102, ex.Errors, "every error is kept");
        string[] lines = ex.Message.Split('\n');
        Assert.HasCount(21, lines, ex.Message);
        Assert.AreEqual(ex.Errors[19].ToString(), lines[19]);
        Assert.AreEqual("... and 82 more errors", lines[20]);
    }

    [TestMethod]
    [Timeout(60_000)]
    public void AHugeKeyIsEchoedShort()
    {
        // An explicit key ("? KEY"): YAML limits implicit keys to 1024 characters, not explicit ones.
        string key = new('a', 300_000);
        ConfigError e = Single(WithMinimal($"? {key}\n: 1"));
        string shown = new string('a', 57) + "...";
        AssertError(e, 6, 3, shown, $"unknown key \"{shown}\"; expected one of bridge, openflow, service, servers, health, failback, panel, api, time, notify, pair");
        Assert.IsLessThan(300, e.ToString().Length, e.ToString());
    }

    [TestMethod]
    public void AKeyNearAKnownOneIsStillSuggested()
    {
        AssertSingle(WithMinimal("health: { intervall: 1s }"), 6, 11, "health.intervall", "unknown key \"intervall\"; did you mean \"interval\"?");
    }

    [TestMethod]
    public void ControlCharactersInKeysAndValuesAreEscaped()
    {
        IReadOnlyList<ConfigError> errors = Errors(WithMinimal("""
            "a\e[31m\r\nb": 1
            failback: "\e[2J\x85\u202Eok\x7F"
            health: { "x\ty": 1 }
            """));
        Assert.HasCount(3, errors, string.Join("\n", errors));
        AssertError(errors[0], 6, 1, @"a\x1b[31m\r\nb", @"unknown key ""a\x1b[31m\r\nb""; expected one of bridge, openflow, service, servers, health, failback, panel, api, time, notify, pair");
        AssertError(errors[1], 7, 11, "failback", @"expected one of auto, manual, got ""\x1b[2J\x85\u202eok\x7f""");
        AssertError(errors[2], 8, 11, @"health.x\ty", @"unknown key ""x\ty""; expected one of probe, port, path, interval, timeout, fall, rise, hold_down, flap_window, hard_down, passive, passive_ports, passive_refusals, passive_within");
        foreach (ConfigError e in errors)
        {
            string printed = e.ToString();
            Assert.IsFalse(printed.Any(c => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format), printed);
        }
    }

    [TestMethod]
    public void EscapingKeepsTextAndShowsEveryInvisibleCharacter()
    {
        Assert.AreEqual("café 🙂 a\\b \"q\"", Printable.Escape("café 🙂 a\\b \"q\""));
        Assert.AreEqual(@"\x00\x1b\x7f\x9b\u200b\u2028\ufeff\ud83d\U000e0001", Printable.Escape("\0\x1b\x7f\x9b\u200b\u2028\ufeff\ud83d\U000e0001"));
        string once = Printable.Escape("a\r\nb\x1b");
        Assert.AreEqual(once, Printable.Escape(once), "escaping twice changes nothing");
        Assert.AreEqual(new string('x', 56) + "...", Printable.Cut(new string('x', 56) + "🙂🙂y", 60), "a pair is never cut in half");
    }

    [TestMethod]
    [DataRow("health:\n  interval: 20ms\n\ttimeout: 40ms\n  fall: 3\n", 8, 1)]
    [DataRow("health:\n\tinterval: 20ms\n", 7, 1)]
    [DataRow("\nhealth:\n  interval: 20ms\n  \ttimeout: 40ms\n", 9, 3)]
    [DataRow("health:\n  interval: 20ms\n\t\n  fall: 3\n", 8, 1)]
    [DataRow("panel:\n  leds:\n\t  master: 5\n", 8, 1)]
    public void ATabInTheIndentationIsReportedAtItsLine(string extra, int line, int column)
    {
        AssertSingle(WithMinimal(extra), line, column, "", "YAML syntax error: a tab in the indentation; indent with spaces");
    }
}
