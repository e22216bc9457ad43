namespace Appliance.Switch;

/// <summary>
/// A token bucket: <c>perSecond</c> messages a second, bursts of as many. Whatever the peer sends,
/// what we hand on (and log) per second stays bounded, and so does the queue behind the handler.
/// </summary>
internal sealed class MessageBudget(int perSecond, TimeProvider time)
{
    private double _tokens = perSecond;
    private long _refilledAt = time.GetTimestamp();

    /// <summary>Messages refused since the last <see cref="TakeRefused"/>.</summary>
    private long _refused;

    /// <summary>Takes one token; false when the budget is spent. Called from the receive loop only.</summary>
    public bool TrySpend()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(perSecond, _tokens + time.GetElapsedTime(_refilledAt, now).TotalSeconds * perSecond);
        _refilledAt = now;
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }
        Interlocked.Increment(ref _refused);
        return false;
    }

    /// <summary>How many were refused since the last call, for one summary line instead of one per message; any thread.</summary>
    public long TakeRefused() => Interlocked.Exchange(ref _refused, 0);
}
