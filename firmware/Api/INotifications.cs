namespace Appliance.Api;

/// <summary>What the API needs from the notifications (firmware/Notify): the test of <c>POST /api/notify/test</c> and the counts for <c>/metrics</c>.</summary>
public interface INotifications
{
    /// <summary>At least one channel (e-mail, webhook, syslog) is configured.</summary>
    bool Configured { get; }

    /// <summary>Sends a test message on every channel now, past the rate limit and the queue, each within 10 s.</summary>
    Task<NotifyTestDocument> TestAsync(CancellationToken cancel);

    /// <summary><c>appliance_notifications_total</c>: messages by channel and outcome (sent, failed, dropped, collapsed).</summary>
    IReadOnlyList<(string Channel, string Outcome, long Count)> Counts();
}

/// <summary>The answer to <c>POST /api/notify/test</c>: <see cref="Ok"/> when every channel delivered.</summary>
public sealed record NotifyTestDocument(bool Ok, string Message, IReadOnlyList<NotifyChannelResult> Channels);

/// <summary>One channel's test: <c>email</c>, <c>webhook</c> or <c>syslog</c>, and what happened.</summary>
public sealed record NotifyChannelResult(string Channel, bool Ok, string Message);
