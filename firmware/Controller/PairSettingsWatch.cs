using Appliance.Api;
using Appliance.Config;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

/// <summary>
/// Compares this box's configuration with the peer's every <see cref="PairSync.Interval"/> (docs/pair.md#settings) and
/// tells the controller; the policy keeps the outcome, tells the changes and lights the fault.
/// </summary>
public sealed partial class PairSettingsWatch(PeerApi peer, Func<string> readOwn, ApplianceController controller, ILogger<PairSettingsWatch> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>The watch for <paramref name="config"/>, or null when it names no peer API.</summary>
    public static PairSettingsWatch? For(PairConfig config, Func<string> readOwn, ApplianceController controller, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        return config is { PeerApi: { } api, PeerTokenFile: { } tokenFile }
            ? new PairSettingsWatch(new PeerApi(api, tokenFile), readOwn, controller, loggers.CreateLogger<PairSettingsWatch>())
            : null;
    }

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    private async Task LoopAsync(CancellationToken stop)
    {
        string? lastProblem = null;
        while (!stop.IsCancellationRequested)
        {
            var settings = await PairSync.CompareAsync(peer, readOwn, stop).ConfigureAwait(false);
            controller.ReportPairSettings(settings);
            // The status shows every reason; the log only when it changes, not every 5 s.
            var problem = settings.State == Policy.PairSettingsState.Unknown ? settings.Why : null;
            if (problem is not null && problem != lastProblem) LogUnknown(logger, peer.Address, problem);
            lastProblem = problem;
            await Task.Delay(PairSync.Interval, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        peer.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the pair's settings cannot be compared with the peer's ({Peer}): {Problem}")]
    private static partial void LogUnknown(ILogger logger, Uri peer, string problem);
}
