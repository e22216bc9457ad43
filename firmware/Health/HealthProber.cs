using System.Diagnostics;
using System.Threading.Channels;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Health;

/// <summary>
/// Runs a probe against every server on its own fixed schedule and reports each result.
/// </summary>
/// <remarks>
/// <para>Each server's probes start on absolute deadlines, origin + N × interval, so lateness never
/// accumulates (a timer that wakes 1 ms late makes that probe 1 ms late, not every later one).
/// A probe is started and not awaited: a slow probe, a hung one, or another server's, never
/// delays the next start; with timeout &gt; interval probes overlap. Each probe is cancelled at
/// its timeout. When the schedule itself falls behind by more than an interval (the machine
/// stalled), the missed starts are dropped instead of fired in a burst, and counted.</para>
/// <para>On the system clock one thread sleeps with the kernel's high-resolution timer until the
/// next start or timeout of any server, starts the due probes itself (their synchronous part is a
/// socket call or two) and cancels the overdue ones. Starts and timeouts land within about 0.1 ms,
/// and a probe costs no runtime timer (a timer per probe cost more CPU than an http probe's own
/// socket work). With any other <see cref="TimeProvider"/> (a fake clock in tests) each server's
/// schedule waits on that provider's timers instead, with the same deadlines.</para>
/// <para>Results are stamped with the monotonic time of completion and handed to the sink on the
/// thread that finished the probe; the sink must be quick and thread-safe (a channel writer is).</para>
/// <para>A failure is confirmed at once: after a failed probe the server is probed again
/// immediately, up to <see cref="Confirmations"/> times, instead of waiting for the next intervals.
/// A dead service (connection refused) is then down within milliseconds of its first failed probe
/// rather than after <c>fall</c> intervals, while healthy servers still cost one probe per interval.
/// Coming back is not hurried: <c>rise</c> keeps its full intervals.</para>
/// </remarks>
public sealed partial class HealthProber : IAsyncDisposable
{
    private readonly IHealthProbe _probe;
    private readonly IReadOnlyList<ServerTarget> _targets;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly Action<ProbeResult, ProbeOutcome> _sink;
    private readonly MonotonicClock _clock;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long[] _started;
    private readonly long[] _missed;
    private readonly int[] _failureRun;
    private readonly Lock _lock = new();
    private readonly List<InFlightProbe> _inFlight = [];
    private Task[] _schedules = [];
    private bool _precise;
    private volatile bool _stopping;
    private int _state; // 0 new, 1 running, 2 stopped
    private long _lastActivity;
    private volatile Exception? _fault;

    /// <param name="probe">The probe to run; the prober does not dispose it.</param>
    /// <param name="sink">Receives every result with the probe's own outcome (latency, learned MAC).</param>
    public HealthProber(
        IHealthProbe probe,
        IReadOnlyList<ServerTarget> targets,
        TimeSpan interval,
        TimeSpan timeout,
        Action<ProbeResult, ProbeOutcome> sink,
        MonotonicClock clock,
        ILogger<HealthProber> logger)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _probe = probe;
        _targets = [.. targets];
        _interval = interval;
        _timeout = timeout;
        _sink = sink;
        _clock = clock;
        _time = clock.Time;
        _logger = logger;
        _started = new long[_targets.Count];
        _missed = new long[_targets.Count];
        _failureRun = new int[_targets.Count];
    }

    /// <summary>Results as policy inputs only, e.g. into the firmware's event channel.</summary>
    public HealthProber(
        IHealthProbe probe,
        IReadOnlyList<ServerTarget> targets,
        TimeSpan interval,
        TimeSpan timeout,
        ChannelWriter<ProbeResult> results,
        MonotonicClock clock,
        ILogger<HealthProber> logger)
        : this(probe, targets, interval, timeout, ToSink(results), clock, logger)
    {
    }

    /// <summary>The configured schedule: <c>health.interval</c> and <c>health.timeout</c> for every server.</summary>
    public static HealthProber FromConfig(ApplianceConfig config, IHealthProbe probe, Action<ProbeResult, ProbeOutcome> sink, MonotonicClock clock, ILogger<HealthProber> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new HealthProber(probe, [.. config.Servers.Select(ServerTarget.From)], config.Health.Interval, config.Health.Timeout, sink, clock, logger)
        {
            Confirmations = config.Health.Fall - 1,
        };
    }

    /// <summary>
    /// How many extra probes confirm a failure at once (<c>fall</c> − 1 from the configuration; 0
    /// waits for the schedule). They start when a failure arrives and stop at the first success.
    /// </summary>
    public int Confirmations { get; init; }

    public IReadOnlyList<ServerTarget> Targets => _targets;

    public TimeSpan Interval => _interval;

    public TimeSpan Timeout => _timeout;

    /// <summary>Probes started so far for the server at <paramref name="index"/> in <see cref="Targets"/>.</summary>
    public long StartedCount(int index) => Volatile.Read(ref _started[index]);

    /// <summary>Starts dropped because the schedule fell more than an interval behind.</summary>
    public long MissedCount(int index) => Volatile.Read(ref _missed[index]);

    /// <summary>
    /// How long since the schedule last ran (woke up or started a probe), for the watchdog; null
    /// while it is not running. The precise schedule wakes at least every 50 ms, the timer one at
    /// every interval.
    /// </summary>
    public TimeSpan? SinceActivity => Volatile.Read(ref _state) == 1 ? _time.GetElapsedTime(Volatile.Read(ref _lastActivity)) : null;

    /// <summary>What stopped the schedule by itself (no probe starts any more), or null.</summary>
    public Exception? Fault => _fault;

    /// <summary>The schedule's origin on the <see cref="MonotonicClock"/>: probe N of every server is due at this + N × interval.</summary>
    public TimeSpan? StartedAt { get; private set; }

    /// <summary>Starts every server's schedule; the first probes start at once.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("the prober was already started");
        long origin = _time.GetTimestamp();
        Volatile.Write(ref _lastActivity, origin);
        StartedAt = _clock.At(origin);
        _precise = _time == TimeProvider.System && PreciseClock.IsSupported;
        if (_precise)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() => RunPreciseSchedules(origin, done)) { IsBackground = true, Name = "health probes" }.Start();
            _schedules = [done.Task];
        }
        else
        {
            // Called directly, not through Task.Run: each schedule starts its first probe and arms its
            // timer before Start returns, which makes a fake clock's Advance deterministic in tests.
            var schedules = new Task[_targets.Count];
            for (int i = 0; i < schedules.Length; i++) schedules[i] = RunTimerScheduleAsync(i, origin);
            _schedules = schedules;
        }
        LogStarted(_probe.Kind, _targets.Count, _interval.TotalMilliseconds, _timeout.TotalMilliseconds);
    }

    /// <summary>Stops the schedules, cancels the probes in flight and waits for all of them to end. No result is reported after this begins.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1) return;
        _stopping = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_schedules).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // No probe starts any more: cancel those still running and wait for them.
        InFlightProbe[] running;
        lock (_lock)
        {
            running = [.. _inFlight];
            if (running.Length == 0) _drained.TrySetResult();
        }
        foreach (var probe in running) probe.Cancel(this);
        await _drained.Task.ConfigureAwait(false);
        LogStopped(_probe.Kind);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Every server's starts and timeouts on one thread sleeping in the kernel's high-resolution timer.</summary>
    private void RunPreciseSchedules(long origin, TaskCompletionSource done)
    {
        // Stop is noticed within this long even when nothing is due for much longer.
        long maxSleep = Stopwatch.Frequency / 20;
        var overdue = new List<InFlightProbe>();
        try
        {
            var schedules = new ProbeSchedule[_targets.Count];
            for (int i = 0; i < schedules.Length; i++) schedules[i] = new ProbeSchedule(_interval);
            while (!_stopping)
            {
                Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());
                long wake = long.MaxValue;
                for (int i = 0; i < schedules.Length && !_stopping; i++)
                {
                    if (schedules[i].Due <= Stopwatch.GetElapsedTime(origin)) StartProbe(i, ref schedules[i], origin);
                    wake = Math.Min(wake, origin + ToStopwatchTicks(schedules[i].Due));
                }
                long now = Stopwatch.GetTimestamp();
                lock (_lock)
                {
                    foreach (var probe in _inFlight)
                    {
                        if (probe.TimedOut) continue;
                        if (probe.Deadline <= now) overdue.Add(probe);
                        else wake = Math.Min(wake, probe.Deadline);
                    }
                }
                // Outside the lock: cancelling runs the probe's cancellation callbacks, which may finish it.
                foreach (var probe in overdue) probe.TimeOut(this);
                overdue.Clear();
                now = Stopwatch.GetTimestamp();
                if (wake > now) PreciseClock.SleepUntil(Math.Min(wake, now + maxSleep));
            }
            done.TrySetResult();
        }
        catch (Exception e)
        {
            _fault = e;
            LogScheduleCrashed(e);
            done.TrySetException(e);
        }
    }

    private static long ToStopwatchTicks(TimeSpan span) =>
        Stopwatch.Frequency == TimeSpan.TicksPerSecond * 100
            ? span.Ticks * 100 // Linux: nanoseconds
            : (long)(span.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond));

    /// <summary>One server's schedule on the <see cref="TimeProvider"/>'s timers.</summary>
    private async Task RunTimerScheduleAsync(int index, long origin)
    {
        var schedule = new ProbeSchedule(_interval);
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            // A loop, not an if: the runtime's timers count whole milliseconds and may fire up to
            // one early; a probe never starts before its deadline.
            TimeSpan wait;
            while ((wait = schedule.Due - _time.GetElapsedTime(origin)) > TimeSpan.Zero)
            {
                try
                {
                    // Task.Delay truncates to whole milliseconds: round up.
                    await Task.Delay(RoundUpToMillisecond(wait), _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            try
            {
                StartProbe(index, ref schedule, origin);
            }
            catch (Exception e)
            {
                _fault = e;
                LogScheduleCrashed(e);
                return;
            }
        }
    }

    private static TimeSpan RoundUpToMillisecond(TimeSpan wait) =>
        TimeSpan.FromTicks((wait.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond);

    private void StartProbe(int index, ref ProbeSchedule schedule, long origin)
    {
        Interlocked.Increment(ref _started[index]);
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        Launch(index);
        long skipped = schedule.Started(_time.GetElapsedTime(origin));
        if (skipped > 0)
        {
            Interlocked.Add(ref _missed[index], skipped);
            LogFellBehind(_targets[index].Name, skipped);
        }
    }

    /// <summary>Starts one probe of server <paramref name="index"/>, not awaited: the caller moves on at once.</summary>
    private void Launch(int index)
    {
        long now = _time.GetTimestamp();
        // The precise schedule cancels at the deadline itself; elsewhere the provider's timer does.
        var probe = _precise
            ? new InFlightProbe(index, _targets[index], now, now + ToStopwatchTicks(_timeout), new CancellationTokenSource())
            : new InFlightProbe(index, _targets[index], now, long.MaxValue, new CancellationTokenSource(_timeout, _time));
        lock (_lock)
        {
            if (_stopping) return;
            _inFlight.Add(probe);
        }
        // ProbeOnceAsync never throws.
        _ = ProbeOnceAsync(probe);
    }

    private async Task ProbeOnceAsync(InFlightProbe probe)
    {
        var target = probe.Target;
        var token = probe.Cancellation.Token;
        try
        {
            ProbeOutcome outcome;
            try
            {
                outcome = await _probe.ProbeAsync(target, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Probes should answer "timeout" themselves; this is for those that throw instead.
                outcome = ProbeOutcome.Failure(ProbeDetails.Timeout, _time.GetElapsedTime(probe.Started));
            }
            catch (Exception e)
            {
                LogProbeCrashed(e, target.Name);
                outcome = ProbeOutcome.Failure(e.Message, _time.GetElapsedTime(probe.Started));
            }
            if (_stopping) return;
            var result = new ProbeResult(_clock.Now, target.Name, outcome.Healthy, outcome.Detail, outcome.Refused);
            LogResult(target.Name, outcome.Healthy, outcome.Detail, outcome.Latency.TotalMilliseconds);
            try
            {
                _sink(result, outcome);
            }
            catch (Exception e)
            {
                LogSinkFailed(e, target.Name);
            }
            if (outcome.Healthy)
            {
                Volatile.Write(ref _failureRun[probe.Index], 0);
            }
            else if (Interlocked.Increment(ref _failureRun[probe.Index]) <= Confirmations)
            {
                Interlocked.Increment(ref _started[probe.Index]);
                Launch(probe.Index);
            }
        }
        finally
        {
            lock (_lock)
            {
                _inFlight.Remove(probe);
                if (_stopping && _inFlight.Count == 0) _drained.TrySetResult();
            }
            // Only the provider's timer needs releasing; a source that never had one is left to the GC,
            // so that a late Cancel from the schedule or Stop never meets a disposed source.
            if (!_precise) probe.Cancellation.Dispose();
        }
    }

    /// <summary>A probe that has started and not finished, and how to give up on it.</summary>
    private sealed class InFlightProbe(int index, ServerTarget target, long started, long deadline, CancellationTokenSource cancellation)
    {
        /// <summary>The server's place in the targets.</summary>
        public int Index { get; } = index;

        public ServerTarget Target { get; } = target;

        /// <summary><see cref="TimeProvider.GetTimestamp"/> at the start.</summary>
        public long Started { get; } = started;

        /// <summary>When the precise schedule cancels it (a Stopwatch timestamp); long.MaxValue when a timer does.</summary>
        public long Deadline { get; } = deadline;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        /// <summary>Set by the schedule thread only, which alone reads it.</summary>
        public bool TimedOut { get; private set; }

        public void TimeOut(HealthProber owner)
        {
            TimedOut = true;
            Cancel(owner);
        }

        public void Cancel(HealthProber owner)
        {
            try
            {
                Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished (and released its timer) meanwhile.
            }
            catch (AggregateException e)
            {
                owner.LogCancelFailed(e, Target.Name);
            }
        }
    }

    private static Action<ProbeResult, ProbeOutcome> ToSink(ChannelWriter<ProbeResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return (result, _) => results.TryWrite(result);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} probes started for {Servers} servers: every {IntervalMs} ms, timeout {TimeoutMs} ms")]
    private partial void LogStarted(ProbeKind kind, int servers, double intervalMs, double timeoutMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} probes stopped")]
    private partial void LogStopped(ProbeKind kind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "probe schedule of {Server} fell behind: {Missed} probes skipped")]
    private partial void LogFellBehind(string server, long missed);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the probe schedule stopped")]
    private partial void LogScheduleCrashed(Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "cancelling the probe of {Server} threw")]
    private partial void LogCancelFailed(Exception e, string server);

    [LoggerMessage(Level = LogLevel.Error, Message = "probe of {Server} threw")]
    private partial void LogProbeCrashed(Exception e, string server);

    [LoggerMessage(Level = LogLevel.Error, Message = "handling the probe result of {Server} threw")]
    private partial void LogSinkFailed(Exception e, string server);

    [LoggerMessage(Level = LogLevel.Trace, Message = "probe {Server}: healthy={Healthy} {Detail} in {LatencyMs} ms")]
    private partial void LogResult(string server, bool healthy, string detail, double latencyMs);
}
