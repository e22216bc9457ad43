using System.Threading.Channels;
using Appliance.Api;
using Appliance.Config;
using Microsoft.Extensions.Logging;

namespace Appliance.Notify;

/// <summary>
/// The box's notifications (docs/configuration.md#notify): events of the log at
/// <c>notify.min_severity</c> or above go to every configured channel. The log hands each event to
/// a bounded inbox and returns at once (the controller loop adds events); a background task takes
/// them from there to each channel's <see cref="ChannelWorker"/>.
/// </summary>
public sealed partial class Notifier : INotifications, IAsyncDisposable
{
    /// <summary>Events waiting for the dispatcher; more than a burst of events of a whole lab's failures.</summary>
    public const int InboxCapacity = 1000;

    private readonly NotifyConfig _config;
    private readonly EventLog? _events;
    private readonly string _box;
    private readonly IReadOnlyList<ChannelWorker> _workers;
    private readonly Channel<LoggedEvent> _inbox = Channel.CreateBounded<LoggedEvent>(new BoundedChannelOptions(InboxCapacity)
    {
        // Wait, not DropWrite: with DropWrite TryWrite drops silently and returns true, so a full inbox was never
        // counted. TryWrite never waits in any mode; with Wait it returns false when full, and the drop is counted.
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });
    private readonly NotifyCounts _counts;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];

    private Notifier(NotifyConfig config, EventLog? events, string box, IReadOnlyList<INotifyChannel> channels, NotifyCounts counts, TimeProvider time, ILoggerFactory loggers)
    {
        _config = config;
        _events = events;
        _box = box;
        _counts = counts;
        _time = time;
        _logger = loggers.CreateLogger("notify");
        _workers = [.. channels.Select(c => new ChannelWorker(c, config.Window, config.Burst, counts, time, _logger))];
    }

    public bool Configured => _workers.Count > 0;

    /// <summary>The channels' descriptions, for logs and <c>appliance check</c>.</summary>
    public IReadOnlyList<string> Channels => [.. _workers.Select(w => w.Channel.Describe())];

    /// <summary>
    /// The notifications of <paramref name="config"/>, listening to <paramref name="events"/> and
    /// sending from now on; nothing at all when no channel is configured.
    /// </summary>
    public static Notifier Start(ApplianceConfig config, EventLog events, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(events);
        var box = BoxName();
        var notifier = new Notifier(config.Notify, events, box, CreateChannels(config, box), new NotifyCounts(), time ?? TimeProvider.System, loggers);
        notifier.Begin();
        return notifier;
    }

    /// <summary>With channels made elsewhere (tests).</summary>
    internal static Notifier Start(NotifyConfig config, EventLog? events, string box, IReadOnlyList<INotifyChannel> channels, TimeProvider time, ILoggerFactory loggers)
    {
        var notifier = new Notifier(config, events, box, channels, new NotifyCounts(), time, loggers);
        notifier.Begin();
        return notifier;
    }

    /// <summary>The channels <paramref name="config"/> names, in the order email, webhook, syslog.</summary>
    public static IReadOnlyList<INotifyChannel> CreateChannels(ApplianceConfig config, string box)
    {
        ArgumentNullException.ThrowIfNull(config);
        var notify = config.Notify;
        var channels = new List<INotifyChannel>();
        if (notify.Email is { } email) channels.Add(new EmailChannel(email, StatusPage(config)));
        if (notify.Webhook is { } webhook) channels.Add(new WebhookChannel(webhook));
        if (notify.Syslog is { } syslog) channels.Add(new SyslogChannel(syslog, box));
        return channels;
    }

    /// <summary>What the box calls itself in messages: its host name.</summary>
    public static string BoxName() => Environment.MachineName is { Length: > 0 } name ? name : "appliance";

    private static string StatusPage(ApplianceConfig config) =>
        config.Api.Listen.Port == 80 ? $"http://{config.Api.Listen.Address}/" : $"http://{config.Api.Listen}/";

    private void Begin()
    {
        if (!Configured) return;
        foreach (var worker in _workers)
        {
            LogChannel(_logger, worker.Channel.Describe(), Severities.Name(_config.MinSeverity));
            _tasks.Add(Task.Run(() => worker.RunAsync(_stop.Token)));
        }
        _tasks.Add(Task.Run(DispatchAsync));
        if (_events is not null) _events.Added += OnEvent;
    }

    /// <summary>Under the event log's lock: hand on and return.</summary>
    private void OnEvent(LoggedEvent logged)
    {
        if (Severities.Of(EventNames.Of(logged.Kind)) < _config.MinSeverity) return;
        if (!_inbox.Writer.TryWrite(logged))
        {
            foreach (var worker in _workers) _counts.Add(worker.Channel.Name, NotifyCounts.Dropped);
        }
    }

    /// <summary>
    /// How long the dispatcher waits after an event for the others of the same moment: the policy
    /// logs an incident as several events at once (link_down, health_down, hard_down, failover).
    /// </summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    private async Task DispatchAsync()
    {
        try
        {
            var reader = _inbox.Reader;
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                await Task.Delay(Gather, _time, _stop.Token).ConfigureAwait(false);
                var batch = new List<Notification>();
                while (reader.TryRead(out var logged)) batch.Add(Notification.From(logged, _box));
                foreach (var notification in MostSevereFirst(batch))
                {
                    foreach (var worker in _workers) worker.Offer(notification);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The events of one moment, the most severe first (else in their order): with the burst spent,
    /// the rest wait for the digest, and of an incident it should be the failover that does not.
    /// </summary>
    public static IEnumerable<Notification> MostSevereFirst(IEnumerable<Notification> batch) =>
        batch.OrderByDescending(n => n.Severity);

    public async Task<NotifyTestDocument> TestAsync(CancellationToken cancel)
    {
        var test = new Notification("test", NotifySeverity.Info, _time.GetUtcNow(), _box, null,
            $"test notification from {_box}: notifications reach you this way", 0);
        var results = await Task.WhenAll(_workers.Select(async worker =>
        {
            var error = await worker.TestAsync(Delivery.Of(test), cancel).ConfigureAwait(false);
            return new NotifyChannelResult(worker.Channel.Name, error is null, error is null ? $"sent: {worker.Channel.Describe()}" : $"not sent: {worker.Channel.Describe()}: {error}");
        })).ConfigureAwait(false);
        var failed = results.Count(r => !r.Ok);
        var message = failed == 0 ? $"test sent on {results.Length} channel{(results.Length == 1 ? "" : "s")}"
            : $"{failed} of {results.Length} channel{(results.Length == 1 ? "" : "s")} failed";
        return new NotifyTestDocument(failed == 0, message, results);
    }

    public IReadOnlyList<(string Channel, string Outcome, long Count)> Counts() => _counts.Snapshot();

    public async ValueTask DisposeAsync()
    {
        if (_events is not null) _events.Added -= OnEvent;
        _inbox.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var worker in _workers) await worker.Channel.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "notify: {Channel}, events of severity {Severity} and above")]
    private static partial void LogChannel(ILogger logger, string channel, string severity);
}

/// <summary>What <c>appliance check</c> says of <c>notify:</c>.</summary>
public static class NotifySummary
{
    public static string Describe(ApplianceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var notify = config.Notify;
        if (!notify.Any) return "notify: nothing is sent (no notify.email, notify.webhook or notify.syslog)";
        var channels = Notifier.CreateChannels(config, Notifier.BoxName());
        try
        {
            return $"notify: events of severity {Severities.Name(notify.MinSeverity)} and above, at most {notify.Burst} per {Window(notify.Window)} on each channel (the rest in one digest at the window's end), to: "
                + string.Join("; ", channels.Select(c => c.Describe()));
        }
        finally
        {
            foreach (var channel in channels) channel.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>5m, 1h, 90s: as the configuration writes it.</summary>
    public static string Window(TimeSpan window) =>
        window.Ticks % TimeSpan.TicksPerHour == 0 ? $"{window.TotalHours:0}h"
        : window.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{window.TotalMinutes:0}m"
        : ConfigDuration.Format(window);
}
