using System.Threading.Channels;
using Appliance.Api;
using Appliance.Config;
using Appliance.Policy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Notify.Tests;

/// <summary>From the event log to the channels: the filter by severity, and an adder that never waits for a channel.</summary>
[TestClass]
public sealed class NotifierTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly NotifyConfig Config = NotifyConfig.None with { MinSeverity = NotifySeverity.Warning, Burst = 10 };

    [TestMethod]
    public async Task EventsAtTheMinimumSeverityAndAboveReachEveryChannel()
    {
        var events = new EventLog();
        var mail = new RecordingChannel("email");
        var hook = new RecordingChannel("webhook");
        await using var notifier = Notifier.Start(Config, events, "box1", [mail, hook], TimeProvider.System, NullLoggerFactory.Instance);

        events.Add(new LoggedEvent(DateTimeOffset.UtcNow, EventKind.LinkUp, "master", "master's link is up"));
        events.Add(new LoggedEvent(DateTimeOffset.UtcNow, EventKind.Failover, "master", "failover from master to slave"));

        var got = await mail.Sent.ReadAsync(TestContext.CancellationToken);
        Assert.AreEqual("failover", got.Single!.Event, "link_up is info: not sent");
        Assert.AreEqual(NotifySeverity.Critical, got.Single.Severity);
        Assert.AreEqual(2L, got.Single.Seq);
        Assert.AreEqual("box1", got.Single.Box);
        Assert.AreEqual("failover", (await hook.Sent.ReadAsync(TestContext.CancellationToken)).Single!.Event);
        await WaitForAsync(() => notifier.Counts().Contains(("email", NotifyCounts.Sent, 1L)));
        CollectionAssert.Contains(notifier.Counts().ToList(), ("webhook", NotifyCounts.Dropped, 0L), "every series from the start");
    }

    /// <summary>
    /// The channel hangs on its first message; the log then gets three inboxes' worth of events. Every add returns,
    /// the inbox keeps <see cref="Notifier.InboxCapacity"/> and the rest are counted dropped. The dispatcher gathers
    /// on the test's clock, which stands still during the flood, so exactly the inbox's worth is taken.
    /// </summary>
    [TestMethod]
    [Timeout(60_000)]
    public async Task AChannelThatHangsNeverHoldsTheLogBack()
    {
        var events = new EventLog();
        var stuck = new RecordingChannel("email") { Hang = true };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var notifier = Notifier.Start(Config, events, "box1", [stuck], time, NullLoggerFactory.Instance);
        events.Add(new LoggedEvent(DateTimeOffset.UtcNow, EventKind.Failover, "master", "failover 0"));
        while (!stuck.Hanging.IsCompleted)
        {
            // Until the dispatcher has gathered and the channel took the message; not a timing test.
            time.Advance(Notifier.Gather);
            await Task.Delay(10, TestContext.CancellationToken);
        }

        for (var i = 1; i <= 3 * Notifier.InboxCapacity; i++)
        {
            events.Add(new LoggedEvent(DateTimeOffset.UtcNow, EventKind.Failover, "master", $"failover {i}"));
        }
        Assert.HasCount(EventLog.Recent, events.Snapshot(), "every add returned");
        Assert.AreEqual(2L * Notifier.InboxCapacity, notifier.Counts().Single(c => c is ("email", NotifyCounts.Dropped, _)).Count,
            "what the inbox could not take is counted");
    }

    [TestMethod]
    public async Task TheTestGoesToEveryChannelAndSaysWhichFailed()
    {
        var mail = new RecordingChannel("email");
        var broken = new RecordingChannel("syslog") { Fail = "connection refused" };
        await using var notifier = Notifier.Start(Config, null, "box1", [mail, broken], TimeProvider.System, NullLoggerFactory.Instance);
        var result = await notifier.TestAsync(TestContext.CancellationToken);
        Assert.IsFalse(result.Ok);
        Assert.AreEqual("1 of 2 channels failed", result.Message);
        Assert.AreEqual(new NotifyChannelResult("email", true, "sent: recording email"), result.Channels[0]);
        Assert.AreEqual(new NotifyChannelResult("syslog", false, "not sent: recording syslog: connection refused"), result.Channels[1]);
        Assert.AreEqual("test", (await mail.Sent.ReadAsync(TestContext.CancellationToken)).Single!.Event);
        CollectionAssert.Contains(notifier.Counts().ToList(), ("syslog", NotifyCounts.Failed, 1L));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        // Not a timing test: the background sender is given all the time it needs.
        while (!condition()) await Task.Delay(10);
    }

    private sealed class RecordingChannel(string name) : INotifyChannel
    {
        private readonly Channel<Delivery> _sent = Channel.CreateUnbounded<Delivery>();

        public string Name => name;

        public bool Hang { get; init; }

        public string? Fail { get; init; }

        public ChannelReader<Delivery> Sent => _sent.Reader;

        public string Describe() => $"recording {name}";

        private readonly TaskCompletionSource<Task> _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a send starts to hang, with the hang (which ends only when the send is cancelled).</summary>
        public Task<Task> Hanging => _hanging.Task;

        public async Task SendAsync(Delivery delivery, CancellationToken cancel)
        {
            if (Hang)
            {
                var hang = Task.Delay(Timeout.Infinite, cancel);
                _hanging.TrySetResult(hang);
                await hang;
            }
            if (Fail is not null) throw new IOException(Fail);
            _sent.Writer.TryWrite(delivery);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
