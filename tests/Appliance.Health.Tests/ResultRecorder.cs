using System.Collections.Concurrent;
using System.Diagnostics;

namespace Appliance.Health.Tests;

/// <summary>A running prober and every result it produced, for tests that wait for a result to show up.</summary>
internal sealed class ResultRecorder : IAsyncDisposable
{
    private readonly ConcurrentQueue<(ProbeResult Result, ProbeOutcome Outcome)> _results = new();

    public ResultRecorder(IHealthProbe probe, ServerTarget[] targets, TimeSpan interval, TimeSpan timeout, MonotonicClock clock)
    {
        Clock = clock;
        Prober = new HealthProber(probe, targets, interval, timeout, (r, o) => _results.Enqueue((r, o)), clock, NullLogger<HealthProber>.Instance);
        Prober.Start();
    }

    public MonotonicClock Clock { get; }

    public HealthProber Prober { get; }

    public IReadOnlyList<(ProbeResult Result, ProbeOutcome Outcome)> Results => [.. _results];

    /// <summary>The first result at or after <paramref name="since"/> that matches, waiting up to <paramref name="within"/> for it.</summary>
    public async Task<(ProbeResult Result, ProbeOutcome Outcome)> FirstAsync(TimeSpan since, Func<ProbeResult, bool> match, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var entry in _results)
            {
                if (entry.Result.At >= since && match(entry.Result)) return entry;
            }
            if (clock.Elapsed > within)
            {
                Assert.Fail($"no matching result within {within.TotalMilliseconds} ms; last: {string.Join("; ", _results.TakeLast(5).Select(r => $"{r.Result.Server} {r.Result.At.TotalMilliseconds:F0} {r.Result.Detail}"))}");
            }
            await Task.Delay(2);
        }
    }

    /// <summary>Waits until <paramref name="server"/> has <paramref name="count"/> healthy results in a row.</summary>
    public async Task HealthyAsync(string server, int count = 3, int milliseconds = 5000)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var last = _results.Where(r => r.Result.Server == server).TakeLast(count).ToArray();
            if (last.Length == count && last.All(r => r.Result.Healthy)) return;
            if (clock.ElapsedMilliseconds > milliseconds)
            {
                Assert.Fail($"{server} not healthy: {string.Join("; ", last.Select(r => r.Result.Detail))}");
            }
            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync() => await Prober.DisposeAsync();
}
