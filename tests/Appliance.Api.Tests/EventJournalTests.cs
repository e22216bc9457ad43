using System.Text;
using Appliance.Policy;
using Microsoft.Extensions.Time.Testing;
using static Appliance.Api.Tests.JournalTesting;

namespace Appliance.Api.Tests;

/// <summary>
/// The event history on disk (issue 15): it survives a restart, stays bounded with few writes,
/// reads back whatever a power cut or a stranger left in the file, and never holds up the loop.
/// </summary>
[TestClass]
public sealed class EventJournalTests
{
    private static readonly JournalFolders Folders = new();

    [ClassCleanup]
    public static void RemoveTempDirs() => Folders.RemoveAll();

    [TestMethod]
    public async Task TheHistorySurvivesARestartAndItsNumberingGoesOn()
    {
        var path = Folders.NewPath();
        await using (var journal = Open(path))
        {
            Assert.IsNull(journal.Problem, "no file yet is no problem");
            var log = new EventLog(journal);
            log.Add(Event(1));
            log.Add(Event(2, EventKind.NoHealthyServer, server: null));
            Assert.AreEqual(3, log.Add(Event(3, EventKind.FirmwareStarted, server: null)).Seq);
        }

        await using var again = Open(path);
        Assert.IsNull(again.Problem);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3 }, again.Loaded.Select(e => e.Seq).ToArray());
        var first = again.Loaded[0];
        Assert.AreEqual(Event(1) with { Seq = 1 }, first, "time, kind, server and message as they were");
        Assert.IsNull(again.Loaded[1].Server);
        Assert.AreEqual(EventKind.FirmwareStarted, again.Loaded[2].Kind);

        var restarted = new EventLog(again);
        Assert.AreEqual(3, restarted.Snapshot().Count, "the status page shows what came before the restart");
        Assert.AreEqual(4, restarted.Add(Event(4)).Seq);
    }

    [TestMethod]
    public async Task TheFileIsRewrittenWithTheNewestEventsWhenItOutgrowsItsBound()
    {
        var path = Folders.NewPath();
        var limits = JournalLimits.Default with { Keep = 10, CompactAt = 2048 };
        var disk = new CountingDisk(path);
        await using (var journal = Open(path, limits, disk))
        {
            var log = new EventLog(journal);
            for (var i = 1; i <= 200; i++) log.Add(Event(i));
        }

        Assert.IsGreaterThan(0, disk.Replaces, "compacted");
        Assert.IsLessThanOrEqualTo(2048L, new FileInfo(path).Length, "never left above the bound");
        Assert.IsFalse(Directory.EnumerateFiles(Path.GetDirectoryName(path)!, "*.tmp", SearchOption.AllDirectories).Any(), "no temporary file left");
        await using var again = Open(path, limits);
        Assert.IsNull(again.Problem);
        CollectionAssert.AreEqual(Enumerable.Range(191, 10).Select(i => (long)i).ToArray(), again.Loaded.Select(e => e.Seq).ToArray(), "the newest ten");
    }

    [TestMethod]
    public async Task EventsAreWrittenAtOnceAfterAQuietSpellThenAtMostOnceASecondUnlessABatchIsFull()
    {
        var path = Folders.NewPath();
        var time = new FakeTimeProvider(T0);
        var disk = new CountingDisk(path);
        await using (var journal = Open(path, disk: disk, time: time))
        {
            var log = new EventLog(journal);
            log.Add(Event(1));
            await WaitUntil(() => disk.Appends.Count == 1, "the first event is written at once");

            for (var i = 2; i <= 11; i++) log.Add(Event(i));
            await Task.Delay(200);
            Assert.HasCount(1, disk.Appends, "the burst waits for the second to end");
            time.Advance(TimeSpan.FromSeconds(1));
            await WaitUntil(() => disk.Appends.Count == 2, "written when the second is over");
            Assert.AreEqual(10, disk.Appends[1], "in one write");

            for (var i = 12; i <= 51; i++) log.Add(Event(i));
            await WaitUntil(() => disk.Appends.Count == 3, "a full batch does not wait");
            Assert.AreEqual(EventJournal.BatchSize, disk.Appends[2]);
            await Task.Delay(200);
            Assert.HasCount(3, disk.Appends, "the rest waits");
        }

        Assert.HasCount(4, disk.Appends, "the rest is written at the stop");
        Assert.AreEqual(8, disk.Appends[3]);
        Assert.AreEqual(0, disk.Replaces);
        Assert.AreEqual(51, File.ReadAllLines(path).Length);
    }

    [TestMethod]
    public async Task AddingNeverWaitsForAStalledDisk()
    {
        var path = Folders.NewPath();
        using var disk = new StalledDisk(path);
        var limits = JournalLimits.Default with { MaxPending = 100, StopTimeout = TimeSpan.FromSeconds(30) };
        await using (var journal = Open(path, limits, disk))
        {
            var log = new EventLog(journal);
            log.Add(Event(0));
            Assert.IsTrue(disk.Entered.Wait(TimeSpan.FromSeconds(10)), "the writer is stuck in the disk");

            // As the controller loop would: thousands of events while the card does not answer.
            var adding = Task.Run(() =>
            {
                for (var i = 1; i <= 5000; i++) log.Add(Event(i));
            });
            Assert.IsTrue(adding.Wait(TimeSpan.FromSeconds(10)), "every Add returned while the disk is still stalled");
            Assert.IsEmpty(disk.Appends, "nothing got through yet");
            Assert.AreEqual(5001, log.Page(after: null, limit: 1).Next, "the log itself has them all");
            disk.Release();
        }

        // What waited (up to the bound) is written once the disk answers; the rest is only in memory.
        var written = File.ReadAllLines(path).Select(l => EventJournal.Parse(Encoding.UTF8.GetBytes(l))!.Seq).ToList();
        Assert.AreEqual(1, written[0]);
        Assert.IsGreaterThanOrEqualTo(1 + limits.MaxPending, written.Count, "the stalled event and every one that waited");
        Assert.IsLessThan(5001, written.Count);
        CollectionAssert.AreEqual(written.Order().ToList(), written, "in order");
    }

    [TestMethod]
    public async Task AWriteThatFailedHalfWayIsMendedByTheNextOne()
    {
        var path = Folders.NewPath();
        var disk = new FailingOnceDisk(path);
        File.WriteAllText(path, "");
        await using (var journal = Open(path, disk: disk))
        {
            var log = new EventLog(journal);
            log.Add(Event(1));
            await WaitUntil(() => File.ReadAllText(path).Length > 0, "the failed write left half a line");
            log.Add(Event(2));
        }

        Assert.AreEqual(1, disk.Replaces, "the file was replaced with what is kept");
        await using var again = Open(path);
        Assert.IsNull(again.Problem, "no trace of the half line");
        CollectionAssert.AreEqual(new long[] { 1, 2 }, again.Loaded.Select(e => e.Seq).ToArray());
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within 10 s: {what}");
            await Task.Delay(10);
        }
    }
}
