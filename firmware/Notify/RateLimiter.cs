namespace Appliance.Notify;

/// <summary>
/// One channel's rate limit, pure and driven by the clock it is given: a window opens with the first
/// notification after a quiet spell; in it the first <c>burst</c> go out at once and the rest are
/// held, to leave as one digest when the window ends (<see cref="Due"/>). A server flapping 50 times
/// in a window so costs at most burst + 1 messages. A window keeps at most <see cref="MaxHeld"/>
/// events and only counts the rest: a storm of events must not grow memory until the window ends.
/// </summary>
public sealed class RateLimiter
{
    /// <summary>Held events a digest lists; more is more than a reader reads, and a mail too long to send.</summary>
    public const int MaxHeld = 100;

    private readonly TimeSpan _window;
    private readonly int _burst;
    private readonly List<Notification> _held = [];
    private DateTimeOffset? _windowEnd;
    private int _passed;
    private Unlisted? _unlisted;

    public RateLimiter(TimeSpan window, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _window = window;
        _burst = burst;
    }

    /// <summary>When <see cref="Due"/> has a digest to give: the open window's end while something is held; else null.</summary>
    public DateTimeOffset? NextDue => _held.Count > 0 ? _windowEnd : null;

    /// <summary>Notifications held for the digest so far, listed or only counted.</summary>
    public int Held => _held.Count + (_unlisted?.Count ?? 0);

    /// <summary>
    /// What to send now for <paramref name="notification"/> arriving at <paramref name="now"/>: the
    /// digest of a window that has ended (if any and not yet taken), then the notification itself
    /// unless the window's burst is spent (then it is held).
    /// </summary>
    public IReadOnlyList<Delivery> Offer(Notification notification, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var send = new List<Delivery>(2);
        if (Due(now) is { } digest) send.Add(digest);
        if (_windowEnd is null)
        {
            _windowEnd = now + _window;
            _passed = 0;
        }
        if (_passed < _burst)
        {
            _passed++;
            send.Add(Delivery.Of(notification));
        }
        else if (_held.Count < MaxHeld)
        {
            _held.Add(notification);
        }
        else
        {
            _unlisted = _unlisted is not { } u ? new Unlisted(1, notification.Severity, notification.Seq)
                : new Unlisted(u.Count + 1, notification.Severity > u.Severity ? notification.Severity : u.Severity, notification.Seq);
        }
        return send;
    }

    /// <summary>Ends the window when its time has come: the digest of what it held, or null (nothing held, or the window still open).</summary>
    public Delivery? Due(DateTimeOffset now)
    {
        if (_windowEnd is not { } end || now < end) return null;
        _windowEnd = null;
        if (_held.Count == 0) return null;
        var digest = Delivery.Digest([.. _held], end, _unlisted);
        _held.Clear();
        _unlisted = null;
        return digest;
    }
}
