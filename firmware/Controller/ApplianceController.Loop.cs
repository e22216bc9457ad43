using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>How many times a new session's rules are read before the switch is emptied instead (see <see cref="AdoptionReadFailed"/>).</summary>
    private const int AdoptionReads = 3;

    public async Task RunAsync(CancellationToken stop)
    {
        using var heartbeat = StartTicks(Heartbeat, Heartbeat);
        var resolving = WatchMacsAsync(stop);
        var counting = CountGuardDropsAsync(stop);
        var connections = CountConnectionsAsync(stop);
        try
        {
            // Before anything else, so that the policy has the operator's intent when the switch is adopted.
            RestoreIntent();
        }
        catch (Exception e)
        {
            LogInputFailed(nameof(IntentRestored), e);
        }
        try
        {
            await foreach (var input in _inputs.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    Handle(input);
                }
                catch (Exception e)
                {
                    LogInputFailed(input.GetType().Name, e);
                }
                Interlocked.Exchange(ref _lastLoopActivity, _time.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        // Nothing is handled from now on: answer what still waits, and refuse what comes later.
        _inputs.Writer.TryComplete();
        while (_inputs.Reader.TryRead(out var left)) Abandon(left);
        _wake?.Dispose();
        _announceTimer?.Dispose();
        await resolving.ConfigureAwait(false);
        await counting.ConfigureAwait(false);
        await connections.ConfigureAwait(false);
        await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _saving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_carrier is not null) await _carrier.DisposeAsync().ConfigureAwait(false);
    }

    private void Post(ControllerInput input)
    {
        if (!_inputs.Writer.TryWrite(input)) Abandon(input);
    }

    /// <summary>An input the loop will never handle: whoever waits for it is answered now.</summary>
    private static void Abandon(ControllerInput input)
    {
        switch (input)
        {
            case PolicyCall { Reply: { } reply }:
                reply.TrySetResult(new RequestOutcome(false, "the firmware is stopping"));
                break;
            case Flush flush:
                flush.Reached.TrySetResult();
                break;
        }
    }

    /// <summary>Completes once every input posted before it has been handled: tests wait for the loop with it instead of sleeping.</summary>
    internal Task FlushAsync()
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new Flush(reached));
        return reached.Task;
    }

    /// <summary>A request to the switch is outstanding (tests wait for its answer to reach the loop).</summary>
    internal bool SwitchBusy => Volatile.Read(ref _work) is not null;

    /// <summary>Handles one input to the end without waiting for anything: the switch's answers come back as inputs.</summary>
    private void Handle(ControllerInput input)
    {
        switch (input)
        {
            case SessionUp up:
                OnSessionUp(up.Session);
                break;
            case SessionDown down when down.Session == _session:
                _session = null;
                _work = null;
                Decide(new SwitchDisconnected(Now));
                break;
            case PortChanged changed when changed.Session == _session:
                if (_config.FindServerByPort(changed.Port.PortNo) is { } server)
                {
                    Decide(new LinkChanged(Now, server.Name, changed.Port.IsLive));
                }
                else
                {
                    TellOfficeLink(changed.Session);
                }
                break;
            case PolicyCall call:
                Answer(call);
                break;
            case SwitchAnswered answered:
                OnAnswered(answered);
                break;
            case MacLearned learned:
                LearnMac(learned.Server, learned.Mac);
                break;
            case ManagementMacRead read:
                LearnManagementMac(read.Mac);
                break;
            case AnnouncementDue due:
                OnAnnouncementDue(due);
                break;
            case PeerStoodDown:
                OnPeerStoodDown();
                break;
            case Flush flush:
                flush.Reached.TrySetResult();
                break;
        }
    }

    /// <summary>A policy input; a request among them is answered whatever happens while handling it.</summary>
    private void Answer(PolicyCall call)
    {
        try
        {
            Decide(call.Input, reply: call.Reply);
            if (call.Input is Tick) RetryAdoption();
        }
        catch (Exception e)
        {
            // Answered already when the policy decided and something after it failed; else refused with the reason.
            call.Reply?.TrySetResult(new RequestOutcome(false, $"the firmware could not handle the request: {e.Message}"));
            throw;
        }
    }

    /// <summary>A timer that hands the policy a <see cref="Tick"/>: the heartbeat and the policy's wake-ups.</summary>
    private ITimer StartTicks(TimeSpan dueTime, TimeSpan period) =>
        _time.CreateTimer(static s => ((ApplianceController)s!).Post(new PolicyCall(new Tick(((ApplianceController)s!).Now))), this, dueTime, period);

    [LoggerMessage(Level = LogLevel.Error, Message = "handling {Input} failed")]
    private partial void LogInputFailed(string input, Exception exception);
}
