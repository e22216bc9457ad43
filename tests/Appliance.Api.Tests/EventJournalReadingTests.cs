using System.Text;
using Appliance.Policy;
using static Appliance.Api.Tests.JournalTesting;

namespace Appliance.Api.Tests;

/// <summary>
/// The history read back at start is hostile input: a power cut mid-line, damaged lines, a file that
/// is not ours, a huge one. What does not read is skipped or set aside, the start never fails, and
/// the file is mended so that the next start reads it clean.
/// </summary>
[TestClass]
public sealed class EventJournalReadingTests
{
    private static readonly JournalFolders Folders = new();

    [ClassCleanup]
    public static void RemoveTempDirs() => Folders.RemoveAll();

    [TestMethod]
    public async Task AnUnfinishedLastLineIsSkippedAndTheFileMended()
    {
        var path = Folders.NewPath();
        File.WriteAllText(path, $"{Line(1)}\n{Line(2)}\n{Line(3)}\n{Line(4)[..25]}");

        await using (var journal = Open(path))
        {
            StringAssert.Contains(journal.Problem, "its last line was unfinished (a power cut while it was written)");
            CollectionAssert.AreEqual(new long[] { 1, 2, 3 }, journal.Loaded.Select(e => e.Seq).ToArray());
            Assert.AreEqual(4, new EventLog(journal).Add(Event(4)).Seq, "the numbering goes on from the last event read");
        }

        await using var again = Open(path);
        Assert.IsNull(again.Problem, "rewritten clean: " + File.ReadAllText(path));
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, again.Loaded.Select(e => e.Seq).ToArray());
    }

    [TestMethod]
    public async Task ALastLineThatLostOnlyItsNewlineIsKept()
    {
        var path = Folders.NewPath();
        File.WriteAllText(path, $"{Line(1)}\n{Line(2)}");

        await using var journal = Open(path);
        CollectionAssert.AreEqual(new long[] { 1, 2 }, journal.Loaded.Select(e => e.Seq).ToArray());
    }

    [TestMethod]
    public async Task LinesThatAreNotOursAreSkipped()
    {
        var path = Folders.NewPath();
        string[] lines =
        [
            Line(1),
            "\u0000\u0001garbage \u00ff{",
            Line(2, kind: "no_such_kind"),
            Line(3, server: "\"<script>alert(1)</script>\""),
            Line(4, message: "null"),
            Line(5, message: $"\"{new string('x', EventJournal.MaxMessageChars + 1)}\""),
            Line(6, message: $"\"{new string('y', EventJournal.MaxLineBytes)}\""),
            "[1,2,3]",
            "null",
            "{}",
            "{\"seq\":\"7\"}",
            "{\"seq\":99999999999999999999999,\"time\":\"2026-12-01T08:00:00+00:00\",\"kind\":\"failover\",\"server\":null,\"message\":\"m\"}",
            Line(8).Replace("2026-12-01T08", "yesterday", StringComparison.Ordinal),
            Line(9),
            Line(9, message: "\"the same number again\""),
            Line(5, message: "\"a number going back\""),
            new string('[', 5_000),
            "",
            Line(10, server: "null"),
        ];
        File.WriteAllText(path, string.Join('\n', lines) + "\n");

        await using var journal = Open(path);
        CollectionAssert.AreEqual(new long[] { 1, 9, 10 }, journal.Loaded.Select(e => e.Seq).ToArray());
        Assert.AreEqual("failover from master to slave", journal.Loaded[1].Message, "the first of two with one number");
        Assert.IsNull(journal.Loaded[2].Server);
        StringAssert.Contains(journal.Problem, "15 lines could not be read");
        Assert.IsFalse(File.Exists(path + ".unreadable"), "a file of ours with bad lines is mended, not set aside");
    }

    [TestMethod]
    public async Task AFileThatIsNotOursIsSetAsideAndTheHistoryStartsAnew()
    {
        var path = Folders.NewPath();
        var foreign = new byte[64 * 1024];
        new Random(15).NextBytes(foreign);
        File.WriteAllBytes(path, foreign);

        await using (var journal = Open(path))
        {
            Assert.IsEmpty(journal.Loaded);
            StringAssert.Contains(journal.Problem, "holds no event this firmware can read: moved to " + path + ".unreadable");
            Assert.AreEqual(1, new EventLog(journal).Add(Event(1)).Seq);
        }

        CollectionAssert.AreEqual(foreign, File.ReadAllBytes(path + ".unreadable"), "kept as it was, for whoever wants to look");
        await using var again = Open(path);
        Assert.IsNull(again.Problem);
        Assert.HasCount(1, again.Loaded);
    }

    [TestMethod]
    public async Task AHugeFileIsReadOnlyFromItsEndAndShrunk()
    {
        var path = Folders.NewPath();
        using (var file = File.Create(path))
        {
            // Megabytes of random lines, then the history: only the end is read.
            var random = new Random(15);
            var junk = new byte[3 * EventJournal.MaxReadBytes];
            random.NextBytes(junk);
            file.Write(junk);
            file.Write("\n"u8);
            for (var seq = 1; seq <= 3000; seq++) file.Write(Encoding.UTF8.GetBytes(Line(seq) + "\n"));
        }

        await using (var journal = Open(path))
        {
            StringAssert.Contains(journal.Problem, "it is larger than 1024 KiB: only its end was read");
            Assert.HasCount(EventJournal.Keep, journal.Loaded);
            Assert.AreEqual(3000, journal.LastSeq);
            Assert.AreEqual(2001, journal.Loaded[0].Seq, "the newest are kept");
        }

        Assert.IsLessThan(EventJournal.CompactAt, new FileInfo(path).Length, "rewritten with the newest events at start");
        await using var again = Open(path);
        Assert.IsNull(again.Problem);
        Assert.AreEqual(3000, again.LastSeq);
    }

    [TestMethod]
    public async Task ADirectoryInTheFilesPlaceStopsNothing()
    {
        var path = Folders.NewPath();
        Directory.CreateDirectory(path);

        await using var journal = Open(path);
        Assert.IsNotNull(journal.Problem);
        Assert.IsEmpty(journal.Loaded);
        var log = new EventLog(journal);
        Assert.AreEqual(1, log.Add(Event(1, EventKind.FirmwareStarted, server: null)).Seq, "the history goes on in memory");
    }

    [TestMethod]
    public void AMessageLongerThanAnyTheFirmwareWritesIsCutSoThatItReadsBack()
    {
        var entry = new LoggedEvent(T0, EventKind.Failover, "slave", new string('é', 3 * EventJournal.MaxMessageChars)) { Seq = 7 };

        var line = EventJournal.Lines([entry]);

        Assert.IsLessThan(EventJournal.MaxLineBytes, line.Length);
        var read = EventJournal.Parse(line.AsSpan()[..^1]);
        Assert.IsNotNull(read);
        Assert.AreEqual(EventJournal.MaxMessageChars, read.Message.Length);
        StringAssert.EndsWith(read.Message, "…");
    }
}
