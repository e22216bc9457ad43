using Microsoft.Extensions.Logging;

namespace Appliance.Switch;

/// <summary>
/// Liveness: an ECHO_REQUEST after <see cref="SwitchSessionOptions.EchoInterval"/> without a
/// message, death by <see cref="SwitchSessionOptions.DeadAfter"/> at the latest; and the echo that decides
/// whether a new connection of the same switch may replace this one.
/// </summary>
public sealed partial class SwitchSession
{
    private long _lastReceived;
    private long _lastEchoSent;

    private void CheckLiveness()
    {
        if (IsClosed) return;
        if (_asyncBudget.TakeRefused() is > 0 and var dropped) LogDropped(dropped, _options.AsyncMessagesPerSecond);
        var silent = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
        // Liveness is looked at once a tick: a session that would pass its deadline before the
        // next look is dead now, so death never comes later than DeadAfter.
        if (silent + _options.Tick > _options.DeadAfter)
        {
            _ = CloseAsync($"switch silent for {silent.TotalSeconds:0.0} s");
            return;
        }
        if (silent >= _options.EchoInterval && _time.GetElapsedTime(Volatile.Read(ref _lastEchoSent)) >= _options.EchoInterval)
        {
            Volatile.Write(ref _lastEchoSent, _time.GetTimestamp());
            _ = SendEchoAsync();
        }
    }

    private async Task SendEchoAsync()
    {
        try
        {
            await SendAsync(new EchoRequest(OfpBytes.Empty), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SwitchDisconnectedException or OperationCanceledException)
        {
            // CloseAsync already runs; nothing else to do.
        }
    }

    /// <summary>
    /// Whether the switch answers an ECHO_REQUEST within <paramref name="within"/>: asked when
    /// another connection claims the same datapath. A session that answers is kept (the newcomer
    /// is the impostor); one that does not is half dead (OVS restarted) and may be replaced.
    /// </summary>
    internal async Task<bool> AnswersEchoAsync(TimeSpan within)
    {
        var xid = NextXid();
        var pending = new PendingRequests.SingleReply("ECHO_REQUEST");
        try
        {
            _pending.Add(xid, pending);
        }
        catch (SwitchDisconnectedException)
        {
            return false;
        }
        try
        {
            await AskAsync().WaitAsync(within, _time).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or SwitchException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _pending.Remove(xid);
        }

        async Task AskAsync()
        {
            await SendAsync(new EchoRequest(OfpBytes.Empty), xid, _stop.Token).ConfigureAwait(false);
            await pending.Reply.Task.ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped {Count} asynchronous messages from the switch beyond {PerSecond} a second")]
    private partial void LogDropped(long count, int perSecond);
}
