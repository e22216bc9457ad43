using Microsoft.Extensions.Logging;

namespace Appliance.Notify;

/// <summary>
/// One channel's sender: offered notifications pass its <see cref="RateLimiter"/> into its
/// <see cref="DeliveryQueue"/>, and its own task sends them one by one, retrying on failure. A dead
/// mail server so never delays the webhook or syslog, and nobody who offers ever waits.
/// </summary>
internal sealed partial class ChannelWorker
{
    /// <summary>The longest one send may take before it counts as failed.</summary>
    public static readonly TimeSpan SendLimit = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly RateLimiter _limiter;
    private readonly DeliveryQueue _queue;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    // One send at a time on a channel: a test and the queue share its connection (syslog over TCP).
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly NotifyCounts _counts;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ChannelWorker(INotifyChannel channel, TimeSpan window, int burst, NotifyCounts counts, TimeProvider time, ILogger logger)
    {
        Channel = channel;
        _limiter = new RateLimiter(window, burst);
        _queue = new DeliveryQueue();
        _counts = counts;
        _time = time;
        _logger = logger;
        counts.AddChannel(channel.Name);
    }

    public INotifyChannel Channel { get; }

    public void Offer(Notification notification)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var delivery in _limiter.Offer(notification, now)) Queue(delivery, now);
        }
        _wake.Release();
    }

    /// <summary>Sends until <paramref name="stop"/>; what is still queued then is lost (the history keeps the events).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var failing = false;
        while (!stop.IsCancellationRequested)
        {
            Delivery? next;
            TimeSpan wait;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                if (_limiter.Due(now) is { } digest) Queue(digest, now);
                next = _queue.Peek(now);
                wait = Sleep(Earliest(_limiter.NextDue, _queue.NextAttempt), now);
            }
            if (next is null)
            {
                try
                {
                    await _wake.WaitAsync(wait, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            var error = await TrySendAsync(next, stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested) return;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                if (error is null)
                {
                    _queue.Sent(now);
                    _counts.Add(Channel.Name, NotifyCounts.Sent);
                    if (failing) LogRecovered(_logger, Channel.Name);
                    failing = false;
                    continue;
                }
                _counts.Add(Channel.Name, NotifyCounts.Failed);
                if (_queue.Failed(now) is not null)
                {
                    _counts.Add(Channel.Name, NotifyCounts.Dropped);
                    LogGivenUp(_logger, Channel.Name, DeliveryQueue.MaxAge.TotalMinutes, error);
                }
                else if (!failing)
                {
                    LogFailing(_logger, Channel.Name, error, _queue.Count);
                }
                failing = true;
            }
        }
    }

    /// <summary>Sends now, past the limiter and the queue (<c>POST /api/notify/test</c>); null when delivered, else why not.</summary>
    public async Task<string?> TestAsync(Delivery delivery, CancellationToken cancel)
    {
        var error = await TrySendAsync(delivery, cancel).ConfigureAwait(false);
        _counts.Add(Channel.Name, error is null ? NotifyCounts.Sent : NotifyCounts.Failed);
        return error;
    }

    private async Task<string?> TrySendAsync(Delivery delivery, CancellationToken stop)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(SendLimit);
        try
        {
            await _sending.WaitAsync(limit.Token).ConfigureAwait(false);
            try
            {
                await Channel.SendAsync(delivery, limit.Token).ConfigureAwait(false);
            }
            finally
            {
                _sending.Release();
            }
            return null;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return $"no answer within {SendLimit.TotalSeconds:0} s";
        }
        catch (OperationCanceledException)
        {
            return "stopped";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any failure of a channel (socket, TLS, SMTP, HTTP, a missing password file) is retried, never fatal.
            return e.Message;
        }
    }

    private void Queue(Delivery delivery, DateTimeOffset now)
    {
        if (delivery.IsDigest) _counts.Add(Channel.Name, NotifyCounts.Collapsed, delivery.Total);
        if (_queue.Enqueue(delivery, now) is not null)
        {
            _counts.Add(Channel.Name, NotifyCounts.Dropped);
            LogQueueFull(_logger, Channel.Name, DeliveryQueue.DefaultCapacity);
        }
    }

    /// <summary>How long the loop sleeps (unless offered something) when it next has work at <paramref name="wake"/>: forever when never.</summary>
    internal static TimeSpan Sleep(DateTimeOffset? wake, DateTimeOffset now) =>
        wake is not { } at ? Timeout.InfiniteTimeSpan : at <= now ? TimeSpan.Zero : at - now;

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "notify {Channel}: cannot send ({Reason}); {Waiting} message(s) wait, retried with back-off")]
    private static partial void LogFailing(ILogger logger, string channel, string reason, int waiting);

    [LoggerMessage(Level = LogLevel.Information, Message = "notify {Channel}: sending again")]
    private static partial void LogRecovered(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Error, Message = "notify {Channel}: a message still failing after {Minutes} minutes is given up ({Reason})")]
    private static partial void LogGivenUp(ILogger logger, string channel, double minutes, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "notify {Channel}: {Capacity} messages wait; the oldest is dropped")]
    private static partial void LogQueueFull(ILogger logger, string channel, int capacity);
}
