using System.Collections.Concurrent;

namespace Appliance.Health.Tests;

/// <summary>A probe whose behaviour a test writes as a function; it records when each probe started.</summary>
internal sealed class ScriptedProbe(MonotonicClock clock, Func<ServerTarget, CancellationToken, ValueTask<ProbeOutcome>> body) : IHealthProbe
{
    private int _running;
    private int _maxRunning;

    public ConcurrentQueue<(string Server, TimeSpan At)> Starts { get; } = new();

    /// <summary>The most probes that ran at the same time.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public ProbeKind Kind => ProbeKind.Tcp;

    public int StartsOf(string server) => Starts.Count(s => s.Server == server);

    public async ValueTask<ProbeOutcome> ProbeAsync(ServerTarget target, CancellationToken cancellationToken)
    {
        Starts.Enqueue((target.Name, clock.Now));
        int running = Interlocked.Increment(ref _running);
        int max;
        while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
        {
        }
        try
        {
            return await body(target, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static ValueTask<ProbeOutcome> Healthy(ServerTarget target, CancellationToken token) =>
        ValueTask.FromResult(ProbeOutcome.Success("ok", TimeSpan.Zero));

    /// <summary>Hangs until the deadline, then answers "timeout" as the real probes do.</summary>
    public static async ValueTask<ProbeOutcome> Hang(ServerTarget target, CancellationToken token)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, token);
        }
        catch (OperationCanceledException)
        {
        }
        return ProbeOutcome.Failure(ProbeDetails.Timeout, TimeSpan.Zero);
    }
}
