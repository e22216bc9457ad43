using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Health.Tests;

/// <summary>The probe schedule shows the watchdog that it runs, and that it stopped when it crashed.</summary>
[TestClass]
public sealed class ProberLivenessTests
{
    private static readonly ServerTarget A = new("master", IPAddress.Parse("198.18.7.1"));

    private readonly FakeTimeProvider _time = new();

    [TestMethod]
    public async Task ARunningScheduleShowsActivityEveryInterval()
    {
        var clock = new MonotonicClock(_time);
        await using var prober = new HealthProber(new ScriptedProbe(clock, ScriptedProbe.Healthy), [A], TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40),
            (_, _) => { }, clock, NullLogger<HealthProber>.Instance);
        Assert.IsNull(prober.SinceActivity, "not started: nothing to judge");

        prober.Start();
        for (var i = 0; i < 50; i++) _time.Advance(TimeSpan.FromMilliseconds(20));

        // The schedule wakes on the thread pool after each step; once it caught up it has just run.
        await TcpProbeTests.WaitFor(() => prober.SinceActivity <= TimeSpan.FromMilliseconds(20));
        Assert.IsNull(prober.Fault);
        await prober.StopAsync();
        Assert.IsNull(prober.SinceActivity);
    }

    [TestMethod]
    public async Task AScheduleThatCrashesRecordsItsFaultAndFallsSilent()
    {
        var clock = new MonotonicClock(_time);
        // Falling behind logs at debug level; a logger that throws there crashes the schedule's loop.
        await using var prober = new HealthProber(new ScriptedProbe(clock, ScriptedProbe.Healthy), [A], TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40),
            (_, _) => { }, clock, new ThrowingLogger());
        prober.Start();

        _time.Advance(TimeSpan.FromMilliseconds(100));
        await TcpProbeTests.WaitFor(() => prober.Fault is not null);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.IsInstanceOfType<InvalidOperationException>(prober.Fault);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(10), prober.SinceActivity!.Value);
    }

    private sealed class ThrowingLogger : ILogger<HealthProber>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Debug) throw new InvalidOperationException("the log is gone");
        }
    }
}
