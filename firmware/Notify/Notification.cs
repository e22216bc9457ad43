using Appliance.Api;
using Appliance.Config;

namespace Appliance.Notify;

/// <summary>One event as it is told: what happened, how much it matters, when (UTC), on which box.</summary>
/// <param name="Event">The event's API name (<c>failover</c>), or <c>test</c> for <c>POST /api/notify/test</c>.</param>
/// <param name="Seq">The event's number in the history (<c>/api/events</c>); 0 for a test.</param>
public sealed record Notification(string Event, NotifySeverity Severity, DateTimeOffset Time, string Box, string? Server, string Message, long Seq)
{
    /// <summary>The event of the log as a notification from <paramref name="box"/>.</summary>
    public static Notification From(LoggedEvent logged, string box)
    {
        ArgumentNullException.ThrowIfNull(logged);
        string name = EventNames.Of(logged.Kind);
        return new Notification(name, Severities.Of(name), logged.Time.ToUniversalTime(), box, logged.Server, logged.Message, logged.Seq);
    }
}

/// <summary>
/// What a channel sends: one notification, or a digest of the ones the rate limit held back in a
/// window (<see cref="Collapsed"/>, oldest first, at most <see cref="RateLimiter.MaxHeld"/>; the rest only counted in <see cref="Unlisted"/>).
/// </summary>
public sealed record Delivery(Notification? Single, IReadOnlyList<Notification> Collapsed, DateTimeOffset Time, string Box)
{
    public static Delivery Of(Notification notification) => new(notification, [], notification.Time, notification.Box);

    /// <summary>A digest made at <paramref name="time"/> (the window's end) of <paramref name="held"/>, and of <paramref name="unlisted"/> more.</summary>
    public static Delivery Digest(IReadOnlyList<Notification> held, DateTimeOffset time, Unlisted? unlisted = null)
    {
        if (held.Count == 0) throw new ArgumentException("a digest holds at least one notification", nameof(held));
        return new(null, held, time, held[0].Box) { Unlisted = unlisted is { Count: > 0 } ? unlisted : null };
    }

    /// <summary>A digest's events held beyond <see cref="Collapsed"/>: counted, not kept.</summary>
    public Unlisted? Unlisted { get; init; }

    public bool IsDigest => Single is null;

    /// <summary>How many events it tells of: 1, or all a digest's held events, listed or not.</summary>
    public int Total => Single is not null ? 1 : Collapsed.Count + (Unlisted?.Count ?? 0);

    /// <summary>The seq of the last event it tells of.</summary>
    public long LastSeq => Single?.Seq ?? Unlisted?.LastSeq ?? Collapsed[^1].Seq;

    /// <summary>The most severe of what it tells.</summary>
    public NotifySeverity Severity
    {
        get
        {
            if (Single is not null) return Single.Severity;
            var listed = Collapsed.Max(n => n.Severity);
            return Unlisted is { } more && more.Severity > listed ? more.Severity : listed;
        }
    }
}

/// <summary>The held events a digest does not list: how many, the most severe of them, and the last one's seq.</summary>
public sealed record Unlisted(int Count, NotifySeverity Severity, long LastSeq);

/// <summary>How much each event matters (the contract of issue 15, docs/configuration.md#notify).</summary>
public static class Severities
{
    /// <summary>By name, so that kinds added later (config_rolled_back) are placed without a code change here.</summary>
    public static NotifySeverity Of(string eventName) => eventName switch
    {
        "failover" or "no_healthy_server" or "switch_disconnected" or "config_refused" or "config_rolled_back" or "update_rolled_back" or "pair_fault" => NotifySeverity.Critical,
        "health_down" or "hard_down" or "held_down" or "link_down" or "firmware_started" or "update_failed" or "pair_move_given_up" or "pair_settings_differ" => NotifySeverity.Warning,
        _ => NotifySeverity.Info,
    };

    /// <summary>The lower-case word used in messages, JSON and configuration.</summary>
    public static string Name(NotifySeverity severity) => severity switch
    {
        NotifySeverity.Critical => "critical",
        NotifySeverity.Warning => "warning",
        _ => "info",
    };
}
