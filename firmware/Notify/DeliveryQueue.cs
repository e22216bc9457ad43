namespace Appliance.Notify;

/// <summary>
/// One channel's deliveries waiting to be sent, in order, pure and driven by the clock it is given.
/// A failed send is retried after a back-off that doubles from <see cref="FirstRetry"/> to
/// <see cref="MaxRetry"/>, so a server back after a minute's outage gets the waiting messages within
/// <see cref="MaxRetry"/>; one still failing after <see cref="MaxAge"/> is given up. Bounded: when
/// full, the oldest is dropped (and counted) for the newest.
/// </summary>
public sealed class DeliveryQueue
{
    public const int DefaultCapacity = 100;
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private readonly LinkedList<(Delivery Delivery, DateTimeOffset Queued)> _waiting = new();
    private readonly int _capacity;
    private DateTimeOffset _nextAttempt;
    private int _failures;

    public DeliveryQueue(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count => _waiting.Count;

    /// <summary>When the head may be tried: now for a fresh one, later after a failure; null when empty.</summary>
    public DateTimeOffset? NextAttempt => _waiting.Count == 0 ? null : _nextAttempt;

    /// <summary>Failed attempts of the head so far.</summary>
    public int Failures => _failures;

    /// <summary>Queues <paramref name="delivery"/>; returns the one dropped to make room (the oldest), or null.</summary>
    public Delivery? Enqueue(Delivery delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        Delivery? dropped = null;
        if (_waiting.Count == _capacity)
        {
            dropped = _waiting.First!.Value.Delivery;
            RemoveHead();
        }
        if (_waiting.Count == 0) _nextAttempt = now;
        _waiting.AddLast((delivery, now));
        return dropped;
    }

    /// <summary>The delivery to try at <paramref name="now"/>, or null (empty, or waiting for its retry).</summary>
    public Delivery? Peek(DateTimeOffset now) => _waiting.Count > 0 && now >= _nextAttempt ? _waiting.First!.Value.Delivery : null;

    /// <summary>The head went out: the next is tried at once.</summary>
    public void Sent(DateTimeOffset now)
    {
        if (_waiting.Count == 0) return;
        RemoveHead();
        _nextAttempt = now;
    }

    /// <summary>The head's send failed at <paramref name="now"/>; returns it when it is given up (older than <see cref="MaxAge"/>), else null.</summary>
    public Delivery? Failed(DateTimeOffset now)
    {
        if (_waiting.Count == 0) return null;
        var (delivery, queued) = _waiting.First!.Value;
        if (now - queued >= MaxAge)
        {
            RemoveHead();
            _nextAttempt = now;
            return delivery;
        }
        _failures++;
        _nextAttempt = now + Backoff(_failures);
        return null;
    }

    /// <summary>The wait after the <paramref name="failures"/>th failure in a row: 1 s, 2 s, 4 s, 8 s, then 10 s.</summary>
    public static TimeSpan Backoff(int failures)
    {
        var wait = FirstRetry * Math.Pow(2, Math.Min(failures - 1, 16));
        return wait > MaxRetry ? MaxRetry : wait;
    }

    private void RemoveHead()
    {
        _waiting.RemoveFirst();
        _failures = 0;
    }
}
