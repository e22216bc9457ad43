using Appliance.Api;
using Appliance.Pipeline;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    private static readonly TimeSpan GuardReadInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan GuardReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>What the switch's ingress guard dropped, read from its drop rules' counters.</summary>
    public GuardMetrics Guards { get; } = new();

    /// <summary>
    /// Reads the guard rules' counters every <see cref="GuardReadInterval"/> into <see cref="Guards"/>.
    /// Beside the loop, not in it: a slow answer delays no decision, and the loop's state is only
    /// read (the current session), never changed.
    /// </summary>
    private async Task CountGuardDropsAsync(CancellationToken stop)
    {
        var tally = new GuardTally();
        using var timer = new PeriodicTimer(GuardReadInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (Volatile.Read(ref _session) is not { IsClosed: false } session) continue;
                using var timeout = new CancellationTokenSource(GuardReadTimeout, _time);
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
                try
                {
                    var flows = await session.ReadFlowStatsAsync(GuardDrops.Request, cancel.Token).ConfigureAwait(false);
                    Guards.Publish(tally.Add(GuardDrops.Of(flows, _config)));
                }
                catch (SwitchException e)
                {
                    LogGuardReadFailed(e.Message);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    LogGuardReadFailed($"no answer within {GuardReadTimeout.TotalSeconds:0} s");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "reading the guard's counters failed: {Reason}")]
    private partial void LogGuardReadFailed(string reason);
}
