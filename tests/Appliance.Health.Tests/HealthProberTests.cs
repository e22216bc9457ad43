using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Health.Tests;

/// <summary>The probe schedule on a fake clock: exact times, no sleeps.</summary>
[TestClass]
public sealed class HealthProberTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly ServerTarget A = new("master", IPAddress.Parse("198.18.7.1"));
    private static readonly ServerTarget B = new("slave", IPAddress.Parse("198.18.7.2"));

    private readonly FakeTimeProvider _time = new();
    private readonly ConcurrentQueue<ProbeResult> _results = new();
    private MonotonicClock _clock = null!;

    [TestInitialize]
    public void Init() => _clock = new MonotonicClock(_time);

    [TestMethod]
    public async Task ProbesStartOnAbsoluteDeadlines()
    {
        var probe = new ScriptedProbe(_clock, ScriptedProbe.Healthy);
        await using var prober = Prober(probe, [A], interval: 10, timeout: 30);

        prober.Start();
        await AdvanceTo(100, () => probe.StartsOf("master") == Expected(10));

        CollectionAssert.AreEqual(Times(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100), StartTimes(probe, "master"));
        CollectionAssert.AreEqual(Times(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100), _results.Select(r => r.At).ToArray());
        Assert.IsTrue(_results.All(r => r.Healthy && r.Server == "master" && r.Detail == "ok"));
    }

    [TestMethod]
    public async Task AHungProbeNeitherDelaysTheNextNorAnotherServer()
    {
        var probe = new ScriptedProbe(_clock, (target, token) => target == A ? ScriptedProbe.Hang(target, token) : ScriptedProbe.Healthy(target, token));
        await using var prober = Prober(probe, [A, B], interval: 10, timeout: 35);

        prober.Start();
        await AdvanceTo(100, () => probe.StartsOf("master") == Expected(10) && probe.StartsOf("slave") == Expected(10)
            && _results.Count(r => r.Server == "master") == (_clock.Now.TotalMilliseconds < 35 ? 0 : (int)((_clock.Now.TotalMilliseconds - 35) / 10) + 1)
            && _results.Count(r => r.Server == "slave") == Expected(10));

        var every10 = Times(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100);
        CollectionAssert.AreEqual(every10, StartTimes(probe, "master"));
        CollectionAssert.AreEqual(every10, StartTimes(probe, "slave"));
        // The master's probes time out 35 ms after they start, overlapping four at a time.
        var master = _results.Where(r => r.Server == "master").ToArray();
        CollectionAssert.AreEqual(Times(35, 45, 55, 65, 75, 85, 95), master.Select(r => r.At).ToArray());
        Assert.IsTrue(master.All(r => !r.Healthy && r.Detail == ProbeDetails.Timeout));
        Assert.IsGreaterThanOrEqualTo(4, probe.MaxConcurrent); // four hung master probes at once
        CollectionAssert.AreEqual(every10, _results.Where(r => r.Server == "slave").Select(r => r.At).ToArray());
    }

    [TestMethod]
    public async Task ResultsAreStampedWithTheTimeOfCompletion()
    {
        var probe = new ScriptedProbe(_clock, async (_, token) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(7), _time, token);
            return ProbeOutcome.Success("ok", TimeSpan.FromMilliseconds(7));
        });
        await using var prober = Prober(probe, [A], interval: 20, timeout: 40);

        prober.Start();
        await AdvanceTo(50, () => probe.StartsOf("master") == Expected(20) && _results.Count == (int)((_clock.Now.TotalMilliseconds + 13) / 20));

        CollectionAssert.AreEqual(Times(7, 27, 47), _results.Select(r => r.At).ToArray());
    }

    [TestMethod]
    public async Task AProbeThatThrowsCancellationAtItsDeadlineCountsAsTimeout()
    {
        var probe = new ScriptedProbe(_clock, async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return default;
        });
        await using var prober = Prober(probe, [A], interval: 10, timeout: 15);

        prober.Start();
        await AdvanceTo(30, () => probe.StartsOf("master") == Expected(10) && _results.Count == Math.Max(0, (int)((_clock.Now.TotalMilliseconds - 5) / 10)));

        CollectionAssert.AreEqual(Times(15, 25), _results.Select(r => r.At).ToArray());
        Assert.IsTrue(_results.All(r => r.Detail == ProbeDetails.Timeout && !r.Healthy));
    }

    [TestMethod]
    public async Task AProbeThatCrashesFailsWithTheReasonAndTheScheduleGoesOn()
    {
        var probe = new ScriptedProbe(_clock, (_, _) => throw new InvalidOperationException("boom"));
        await using var prober = Prober(probe, [A], interval: 10, timeout: 15);

        prober.Start();
        await AdvanceTo(20, () => probe.StartsOf("master") == Expected(10));

        Assert.AreEqual(3, _results.Count);
        Assert.IsTrue(_results.All(r => !r.Healthy && r.Detail == "boom"));
    }

    [TestMethod]
    public async Task ASinkThatThrowsDoesNotStopTheSchedule()
    {
        var probe = new ScriptedProbe(_clock, ScriptedProbe.Healthy);
        int calls = 0;
        await using var prober = new HealthProber(probe, [A], TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(15),
            (_, _) => { Interlocked.Increment(ref calls); throw new InvalidOperationException("sink"); }, _clock, NullLogger<HealthProber>.Instance);

        prober.Start();
        await AdvanceTo(30, () => probe.StartsOf("master") == Expected(10));

        Assert.AreEqual(4, calls);
    }

    [TestMethod]
    public async Task AStalledScheduleSkipsMissedStartsInsteadOfBursting()
    {
        var probe = new ScriptedProbe(_clock, ScriptedProbe.Healthy);
        await using var prober = Prober(probe, [A], interval: 10, timeout: 15);

        prober.Start();
        _time.Advance(TimeSpan.FromMilliseconds(55)); // the machine stalled for 55 ms
        await TcpProbeTests.WaitFor(() => probe.StartsOf("master") == 2);
        await AdvanceTo(70, () => probe.StartsOf("master") == 2 + (int)((_clock.Now.TotalMilliseconds - 50) / 10));

        CollectionAssert.AreEqual(Times(0, 55, 60, 70), StartTimes(probe, "master"));
        Assert.AreEqual(4, prober.MissedCount(0));
        Assert.AreEqual(4, prober.StartedCount(0));
    }

    [TestMethod]
    public async Task StopCancelsAndAwaitsEveryProbeInFlightAndReportsNothingMore()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int cancelled = 0;
        var probe = new ScriptedProbe(_clock, async (_, token) =>
        {
            using (token.Register(() => Interlocked.Increment(ref cancelled))) await release.Task; // ignores its token: a slow-to-stop probe
            return ProbeOutcome.Success("late", TimeSpan.Zero);
        });
        var prober = Prober(probe, [A, B], interval: 10, timeout: 1000);
        prober.Start();
        await AdvanceTo(20, () => probe.Starts.Count == 2 * Expected(10));

        var stopping = prober.StopAsync();
        await Task.Delay(50);
        Assert.IsFalse(stopping.IsCompleted, "Stop must wait for the probes in flight");
        Assert.AreEqual(6, Volatile.Read(ref cancelled), "Stop cancels the probes in flight");

        release.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.IsEmpty(_results);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.AreEqual(6, probe.Starts.Count, "no probe starts after Stop");
        await prober.DisposeAsync();
    }

    [TestMethod]
    public async Task StartingTwiceIsRefused()
    {
        await using var prober = Prober(new ScriptedProbe(_clock, ScriptedProbe.Healthy), [A], interval: 10, timeout: 10);
        prober.Start();
        Assert.ThrowsExactly<InvalidOperationException>(prober.Start);
    }

    [TestMethod]
    public async Task ResultsCanGoToAChannel()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<ProbeResult>();
        var probe = new ScriptedProbe(_clock, ScriptedProbe.Healthy);
        await using var prober = new HealthProber(probe, [A, B], TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), channel.Writer, _clock, NullLogger<HealthProber>.Instance);

        prober.Start();

        Assert.IsTrue(channel.Reader.TryRead(out var first));
        Assert.IsTrue(channel.Reader.TryRead(out var second));
        CollectionAssert.AreEquivalent(new[] { "master", "slave" }, new[] { first.Server, second.Server });
    }

    private HealthProber Prober(IHealthProbe probe, ServerTarget[] targets, int interval, int timeout, int confirmations = 0) =>
        new(probe, targets, TimeSpan.FromMilliseconds(interval), TimeSpan.FromMilliseconds(timeout),
            (result, _) => _results.Enqueue(result), _clock, NullLogger<HealthProber>.Instance)
        {
            Confirmations = confirmations,
        };

    [TestMethod]
    public async Task AFailureIsConfirmedAtOnceAndNotForeverAfter()
    {
        // The master refuses from 25 ms on (a killed web server); the slave stays healthy.
        var probe = new ScriptedProbe(_clock, (target, _) => ValueTask.FromResult(target == A && _clock.Now >= TimeSpan.FromMilliseconds(25)
            ? ProbeOutcome.Failure(ProbeDetails.ConnectionRefused, TimeSpan.Zero)
            : ProbeOutcome.Success("ok", TimeSpan.Zero)));
        await using var prober = Prober(probe, [A, B], interval: 20, timeout: 40, confirmations: 2);

        prober.Start();
        await AdvanceTo(100, () => probe.StartsOf("slave") == Expected(20));

        // Regular probes at 0, 20, 40, 60, 80, 100; the failure at 40 is confirmed twice at once,
        // so fall = 3 is reached at 40 ms instead of 80 ms. Later failures bring no more extra probes.
        CollectionAssert.AreEqual(Times(0, 20, 40, 40, 40, 60, 80, 100), StartTimes(probe, "master"));
        var failures = _results.Where(r => r.Server == "master" && !r.Healthy).Select(r => r.At).ToArray();
        CollectionAssert.AreEqual(Times(40, 40, 40, 60, 80, 100), failures);
        CollectionAssert.AreEqual(Times(0, 20, 40, 60, 80, 100), StartTimes(probe, "slave"), "a healthy server costs one probe per interval");
    }

    [TestMethod]
    public async Task ASingleFailureThatTheConfirmationContradictsStaysAlone()
    {
        // One refused probe at 20 ms (a blip), healthy before and after.
        var probe = new ScriptedProbe(_clock, (target, _) => ValueTask.FromResult(_clock.Now == TimeSpan.FromMilliseconds(20) && _blips++ == 0
            ? ProbeOutcome.Failure(ProbeDetails.ConnectionRefused, TimeSpan.Zero)
            : ProbeOutcome.Success("ok", TimeSpan.Zero)));
        await using var prober = Prober(probe, [A], interval: 20, timeout: 40, confirmations: 2);

        prober.Start();
        await AdvanceTo(60, () => _results.Count == probe.Starts.Count);

        CollectionAssert.AreEqual(Times(0, 20, 20, 40, 60), StartTimes(probe, "master"), "one confirmation, which succeeds: the run is over");
        Assert.AreEqual(1, _results.Count(r => !r.Healthy));
    }

    private int _blips;

    /// <summary>Probes a schedule of <paramref name="interval"/> ms should have started by now.</summary>
    private int Expected(int interval) => (int)(_clock.Now.TotalMilliseconds / interval) + 1;

    /// <summary>
    /// Moves the fake clock 1 ms at a time, letting the prober settle after each step: timers fire
    /// inside Advance, but what they start may finish on another thread.
    /// </summary>
    private async Task AdvanceTo(int milliseconds, Func<bool> settled)
    {
        await TcpProbeTests.WaitFor(settled);
        while (_clock.Now < TimeSpan.FromMilliseconds(milliseconds))
        {
            _time.Advance(Ms);
            await TcpProbeTests.WaitFor(settled);
        }
    }

    private static TimeSpan[] Times(params int[] milliseconds) => [.. milliseconds.Select(m => TimeSpan.FromMilliseconds(m))];

    private static TimeSpan[] StartTimes(ScriptedProbe probe, string server) => [.. probe.Starts.Where(s => s.Server == server).Select(s => s.At)];
}
