using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken stop)
    {
        using var heartbeat = StartTicks(Heartbeat, Heartbeat);
        var resolving = WatchMacsAsync(stop);
        var counting = CountGuardDropsAsync(stop);
        try
        {
            await foreach (var input in _inputs.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(input).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogInputFailed(input.GetType().Name, e);
                }
                Interlocked.Exchange(ref _lastLoopActivity, _time.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        _wake?.Dispose();
        await resolving.ConfigureAwait(false);
        await counting.ConfigureAwait(false);
        if (_carrier is not null) await _carrier.DisposeAsync().ConfigureAwait(false);
    }

    private void Post(ControllerInput input) => _inputs.Writer.TryWrite(input);

    /// <summary>Completes once every input posted before it has been handled: tests wait for the loop with it instead of sleeping.</summary>
    internal Task FlushAsync()
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new Flush(reached));
        return reached.Task;
    }

    private async Task HandleAsync(ControllerInput input)
    {
        switch (input)
        {
            case SessionUp up:
                await AdoptSessionAsync(up.Session).ConfigureAwait(false);
                break;
            case SessionDown down when down.Session == _session:
                _session = null;
                await DecideAsync(new SwitchDisconnected(Now)).ConfigureAwait(false);
                break;
            case PortChanged changed when changed.Session == _session:
                if (_config.FindServerByPort(changed.Port.PortNo) is { } server)
                {
                    await DecideAsync(new LinkChanged(Now, server.Name, changed.Port.IsLive)).ConfigureAwait(false);
                }
                break;
            case PolicyCall call:
                var decision = await DecideAsync(call.Input).ConfigureAwait(false);
                if (call.Reply is not null) call.Reply.TrySetResult(decision.Reply ?? new RequestOutcome(false, "not a request"));
                break;
            case MacLearned learned:
                await LearnMacAsync(learned.Server, learned.Mac).ConfigureAwait(false);
                break;
            case ManagementMacRead read:
                await LearnManagementMacAsync(read.Mac).ConfigureAwait(false);
                break;
            case Flush flush:
                flush.Reached.TrySetResult();
                break;
        }
    }

    /// <summary>A timer that hands the policy a <see cref="Tick"/>: the heartbeat and the policy's wake-ups.</summary>
    private ITimer StartTicks(TimeSpan dueTime, TimeSpan period) =>
        _time.CreateTimer(static s => ((ApplianceController)s!).Post(new PolicyCall(new Tick(((ApplianceController)s!).Now))), this, dueTime, period);

    [LoggerMessage(Level = LogLevel.Error, Message = "handling {Input} failed")]
    private partial void LogInputFailed(string input, Exception exception);
}
