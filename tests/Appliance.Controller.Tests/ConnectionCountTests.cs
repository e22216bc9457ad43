using Microsoft.Extensions.Logging;

namespace Appliance.Controller.Tests;

/// <summary>The connections per server: read from their conntrack zones beside the loop, unknown with a reason said once.</summary>
[TestClass]
public sealed class ConnectionCountTests
{
    private static readonly TimeSpan ReadInterval = TimeSpan.FromSeconds(2);

    [TestMethod]
    public async Task EachServersZoneIsReadAtStartAndEveryTwoSeconds()
    {
        var conntrack = new ScriptedConntrack("zone=100,limit=65536,count=3\nzone=101,limit=65536,count=0");
        await using var rig = new ControllerRig { ReadZones = conntrack.ReadAsync };
        rig.Start();
        await rig.AdoptAsync();
        await MacTests.WaitUntilAsync(() => rig.Controller.Connections.Of("master") == 3, "the first reading");

        CollectionAssert.AreEqual(new ushort[] { 100, 101 }, conntrack.Zones.ToArray(), "service.conntrack_zone and the next, in priority order");
        Assert.AreEqual(0U, rig.Controller.Connections.Of("slave"));

        // A failback: the master serves, the slave still carries what started there.
        conntrack.Answer = "zone=100,limit=65536,count=1\nzone=101,limit=65536,count=5";
        var before = conntrack.Readings;
        await rig.AdvanceAsync(ReadInterval);
        await MacTests.WaitUntilAsync(() => conntrack.Readings > before && rig.Controller.Connections.Of("slave") == 5, "the next reading");
        Assert.AreEqual(1U, rig.Controller.Connections.Of("master"));
        Assert.IsTrue(rig.Controller.Connections.Draining("slave", rig.Status.Active));
    }

    [TestMethod]
    public async Task AnUnreachableVswitchdMakesEveryCountUnknownAndIsLoggedOnce()
    {
        var loggers = new RecordingLoggers();
        var conntrack = new ScriptedConntrack("zone=100,limit=65536,count=3\nzone=101,limit=65536,count=0");
        await using var rig = new ControllerRig { ReadZones = conntrack.ReadAsync, Loggers = loggers };
        rig.Start();
        await rig.AdoptAsync();
        await MacTests.WaitUntilAsync(() => rig.Controller.Connections.Of("master") == 3, "the first reading");

        conntrack.Failure = "cannot reach ovs-vswitchd at /var/run/openvswitch/ovs-vswitchd.77.ctl: Permission denied";
        await ReadingsAsync(rig, conntrack, 3);
        Assert.IsNull(rig.Controller.Connections.Of("master"), "unknown, not the last count");
        Assert.IsNull(rig.Controller.Connections.Of("slave"));
        Assert.HasCount(1, About(loggers, "Permission denied"), "said once, not every 2 s");
        Assert.AreEqual(LogLevel.Warning, About(loggers, "Permission denied")[0].Level);
        StringAssert.Contains(About(loggers, "Permission denied")[0].Message, "connections per server are unknown until ovs-vswitchd can be asked");

        conntrack.Failure = null;
        await ReadingsAsync(rig, conntrack, 2);
        Assert.AreEqual(3U, rig.Controller.Connections.Of("master"));
        Assert.HasCount(1, About(loggers, "connections per server are counted"), "back: said once");
    }

    [TestMethod]
    public async Task AReadingThatFailsOtherwiseLeavesNoStaleCount()
    {
        var loggers = new RecordingLoggers();
        var conntrack = new ScriptedConntrack("zone=100,limit=65536,count=3\nzone=101,limit=65536,count=0");
        await using var rig = new ControllerRig { ReadZones = conntrack.ReadAsync, Loggers = loggers };
        rig.Start();
        await rig.AdoptAsync();
        await MacTests.WaitUntilAsync(() => rig.Controller.Connections.Of("master") == 3, "the first reading");

        conntrack.Unexpected = new InvalidOperationException("the reader broke");
        await ReadingsAsync(rig, conntrack, 2);
        Assert.IsNull(rig.Controller.Connections.Of("master"), "unknown, not frozen at 3");
        Assert.HasCount(1, About(loggers, "reading them failed: the reader broke"));

        conntrack.Unexpected = null;
        await ReadingsAsync(rig, conntrack, 1);
        Assert.AreEqual(3U, rig.Controller.Connections.Of("master"), "still reading");
    }

    [TestMethod]
    public async Task AZoneWithoutALimitIsUnknownAndNamed()
    {
        var loggers = new RecordingLoggers();
        var conntrack = new ScriptedConntrack("zone=100,limit=65536,count=3\nzone=101,limit=0,count=0");
        await using var rig = new ControllerRig { ReadZones = conntrack.ReadAsync, Loggers = loggers };
        rig.Start();
        await rig.AdoptAsync();
        await ReadingsAsync(rig, conntrack, 3);

        Assert.AreEqual(3U, rig.Controller.Connections.Of("master"));
        Assert.IsNull(rig.Controller.Connections.Of("slave"));
        var told = About(loggers, "conntrack zone 101 (slave) has no limit");
        Assert.HasCount(1, told);
        Assert.AreEqual(LogLevel.Information, told[0].Level, "the operator's choice (conntrack_limit: off), not a fault");
        StringAssert.Contains(told[0].Message, "service.conntrack_limit");
    }

    [TestMethod]
    public async Task TheLoopKeepsAnsweringWhileAReadingWaits()
    {
        var conntrack = new ScriptedConntrack("") { Stalled = true };
        await using var rig = new ControllerRig { ReadZones = conntrack.ReadAsync };
        rig.Start();
        await rig.AdoptAsync();
        await MacTests.WaitUntilAsync(() => conntrack.Readings == 1, "the reading to start");

        var outcome = await rig.Controller.PressAsync(PressKind.Short, "test").WaitAsync(ControllerRig.Guard);
        Assert.IsFalse(outcome.Accepted, "answered (the master already serves) while the reading waits");
        await rig.AdvanceAsync(ReadInterval * 3);
        Assert.AreEqual(1, conntrack.Readings, "one reading at a time");
        Assert.IsNull(rig.Controller.Connections.Of("master"));
    }

    [TestMethod]
    public async Task WithoutAReaderEveryCountStaysUnknown()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();
        await rig.AdvanceAsync(ReadInterval * 2);

        Assert.IsNull(rig.Controller.Connections.Of("master"));
        Assert.IsFalse(rig.Controller.Connections.Draining("slave", rig.Status.Active));
    }

    /// <summary>
    /// Advances the clock until <paramref name="count"/> more readings are done: published and
    /// logged, which the next reading's start proves (one reading at a time, in order).
    /// </summary>
    private static async Task ReadingsAsync(ControllerRig rig, ScriptedConntrack conntrack, int count)
    {
        var until = conntrack.Readings + count + 1;
        while (conntrack.Readings < until)
        {
            var before = conntrack.Readings;
            await rig.AdvanceAsync(ReadInterval);
            await MacTests.WaitUntilAsync(() => conntrack.Readings > before, "a reading");
        }
    }

    private static (LogLevel Level, string Message)[] About(RecordingLoggers loggers, string text) =>
        [.. loggers.Lines.Where(l => l.Message.Contains(text, StringComparison.Ordinal))];

    /// <summary>ovs-vswitchd's answer to dpctl/ct-get-limits as the test sets it (the zone lines), or its failure.</summary>
    private sealed class ScriptedConntrack(string answer)
    {
        private int _readings;

        public volatile string Answer = answer;
        public volatile string? Failure;
        public volatile Exception? Unexpected;

        public bool Stalled { get; init; }

        public IReadOnlyList<ushort> Zones { get; private set; } = [];

        public int Readings => Volatile.Read(ref _readings);

        public async Task<ConntrackLimits> ReadAsync(IReadOnlyList<ushort> zones, CancellationToken cancel)
        {
            Zones = zones;
            Interlocked.Increment(ref _readings);
            if (Stalled) await Task.Delay(Timeout.Infinite, cancel);
            if (Failure is { } failure) throw new UnixctlException(failure);
            if (Unexpected is { } unexpected) throw unexpected;
            return ConntrackLimits.Parse("default limit=0\n" + Answer);
        }
    }
}
