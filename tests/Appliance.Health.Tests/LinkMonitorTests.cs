using System.Collections.Concurrent;
using System.Diagnostics;

namespace Appliance.Health.Tests;

/// <summary>
/// rtnetlink link monitoring on veth pairs in the root namespace (root needed). Every pair is
/// named it-… and deleted after the test, whatever happened.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class LinkMonitorTests
{
    private readonly ConcurrentQueue<LinkEvent> _events = new();
    private readonly List<string> _made = [];
    private readonly MonotonicClock _clock = new(TimeProvider.System);

    [TestCleanup]
    public void DeletePairs()
    {
        foreach (var name in _made) Sh.Try("ip", "link", "del", name);
    }

    [TestMethod]
    public async Task ReportsInitialStatesThenCarrierChanges()
    {
        var (a, b) = MakePair();
        var missing = NewName();
        await using var monitor = await LinkMonitor.StartAsync([a, b, missing], _events.Enqueue, _clock, NullLogger<LinkMonitor>.Instance);

        // Initial: both ends admin down, the third absent, all reported once.
        var initial = Take(3);
        CollectionAssert.AreEquivalent(new[] { a, b, missing }, initial.Select(e => e.Interface).ToArray());
        Assert.IsTrue(initial.All(e => !e.Up));
        Assert.AreEqual(LinkStates.AdminDown, initial.Single(e => e.Interface == a).State);
        Assert.AreEqual(LinkStates.Absent, initial.Single(e => e.Interface == missing).State);
        Assert.IsFalse(monitor.IsUp(a));
        Assert.IsNull(monitor.IsUp("eth-not-watched"));

        // One end up: no carrier yet (its peer is down), so still down: nothing to report.
        Sh.Check("ip", "link", "set", a, "up");
        // Both up: both get carrier.
        Sh.Check("ip", "link", "set", b, "up");
        var up = Take(2);
        CollectionAssert.AreEquivalent(new[] { a, b }, up.Select(e => e.Interface).ToArray());
        Assert.IsTrue(up.All(e => e.Up && e.State == LinkStates.Up));
        Assert.IsTrue(monitor.IsUp(a));

        // The peer goes down: a loses its carrier, b is administratively down.
        long before = Stopwatch.GetTimestamp();
        var sent = _clock.Now;
        Sh.Check("ip", "link", "set", b, "down");
        var down = Take(2);
        Console.WriteLine($"carrier loss reported {(down.Max(e => e.At) - sent).TotalMilliseconds:F1} ms after starting `ip link set down` (includes starting the process)");
        Assert.AreEqual(LinkStates.NoCarrier, down.Single(e => e.Interface == a).State);
        Assert.AreEqual(LinkStates.AdminDown, down.Single(e => e.Interface == b).State);
        Assert.IsTrue(down.All(e => !e.Up && e.At >= _clock.At(before) - TimeSpan.FromSeconds(1)));

        // Deleting the pair: nothing changes state (already down), so nothing is reported.
        Sh.Check("ip", "link", "del", a);
        await Task.Delay(200);
        Assert.IsTrue(_events.IsEmpty, string.Join(", ", _events));
    }

    [TestMethod]
    public async Task SeesAnInterfaceThatAppearsLaterAndDisappears()
    {
        var a = NewName();
        var b = NewName();
        await using var monitor = await LinkMonitor.StartAsync([a], _events.Enqueue, _clock, NullLogger<LinkMonitor>.Instance);
        Assert.AreEqual(LinkStates.Absent, Take(1).Single().State);

        _made.Add(a);
        Sh.Check("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        Sh.Check("ip", "link", "set", a, "up");
        Sh.Check("ip", "link", "set", b, "up");
        var up = Take(1).Single();
        Assert.IsTrue(up.Up);
        Assert.AreEqual(a, up.Interface);

        Sh.Check("ip", "link", "del", a);
        // The kernel closes the device before deleting it, so the event says "administratively down".
        var gone = Take(1).Single();
        Assert.IsFalse(gone.Up);
        Assert.IsFalse(monitor.IsUp(a));
    }

    [TestMethod]
    public async Task ReportsOnlyChangesOfUpOrDown()
    {
        var (a, b) = MakePair();
        Sh.Check("ip", "link", "set", a, "up");
        Sh.Check("ip", "link", "set", b, "up");
        await using var monitor = await LinkMonitor.StartAsync([a], _events.Enqueue, _clock, NullLogger<LinkMonitor>.Instance);
        Assert.IsTrue(Take(1).Single().Up);

        // Changes that leave the carrier alone send RTM_NEWLINK too; they are not link events.
        Sh.Check("ip", "link", "set", a, "mtu", "1400");
        Sh.Check("ip", "link", "set", a, "alias", "server-port");
        await Task.Delay(200);
        Assert.IsTrue(_events.IsEmpty, string.Join(", ", _events));
    }

    [TestMethod]
    public void DumpRequestIsARequestForAllLinks()
    {
        var request = RouteNetlink.DumpRequest(7);
        Assert.AreEqual(32, request.Length);
        Assert.AreEqual(32u, BitConverter.ToUInt32(request));
        Assert.AreEqual((ushort)18, BitConverter.ToUInt16(request, 4)); // RTM_GETLINK
        Assert.AreEqual((ushort)0x301, BitConverter.ToUInt16(request, 6)); // NLM_F_REQUEST | NLM_F_DUMP
        Assert.AreEqual(7u, BitConverter.ToUInt32(request, 8));
    }

    [TestMethod]
    public void MalformedNetlinkIsRejectedNotMisread()
    {
        var messages = new List<LinkMessage>();
        Assert.IsFalse(RouteNetlink.Parse(new byte[] { 200, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, (in LinkMessage m) => messages.Add(m)));
        Assert.IsEmpty(messages);
    }

    private (string A, string B) MakePair()
    {
        var a = NewName();
        var b = NewName();
        _made.Add(a);
        Sh.Check("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        return (a, b);
    }

    private static string NewName() => $"it-h{Random.Shared.Next(0x100000):x5}";

    /// <summary>The next <paramref name="count"/> events, waiting up to 5 s for them.</summary>
    private LinkEvent[] Take(int count)
    {
        var taken = new List<LinkEvent>();
        var clock = Stopwatch.StartNew();
        while (taken.Count < count)
        {
            if (_events.TryDequeue(out var e)) taken.Add(e);
            else if (clock.ElapsedMilliseconds > 5000) Assert.Fail($"expected {count} link events, got {taken.Count}: {string.Join(", ", taken)}");
            else Thread.Sleep(2);
        }
        return [.. taken];
    }
}
