using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

[TestClass]
public sealed class DeliveryQueueTests
{
    [TestMethod]
    public void BackOffDoublesToTenSeconds()
    {
        CollectionAssert.AreEqual(
            new[] { 1.0, 2, 4, 8, 10, 10, 10 },
            Enumerable.Range(1, 7).Select(f => DeliveryQueue.Backoff(f).TotalSeconds).ToArray());
    }

    [TestMethod]
    public void AServerDownForAMinuteGetsTheMailWithinTenSecondsOfComingBack()
    {
        var queue = new DeliveryQueue();
        var mail = Delivery.Of(Failover(T0));
        queue.Enqueue(mail, T0);
        var now = T0;
        var back = T0 + TimeSpan.FromMinutes(1);
        var attempts = 0;
        while (true)
        {
            Assert.IsNotNull(queue.NextAttempt);
            now = queue.NextAttempt.Value;
            var next = queue.Peek(now);
            Assert.AreSame(mail, next);
            attempts++;
            if (now >= back)
            {
                queue.Sent(now);
                break;
            }
            Assert.IsNull(queue.Failed(now), "not given up");
        }
        Assert.AreEqual(0, queue.Count);
        Assert.IsLessThanOrEqualTo(back + DeliveryQueue.MaxRetry, now, $"delivered at {now - T0}");
        Assert.IsLessThanOrEqualTo(12, attempts, "a dead server is not hammered");
    }

    [TestMethod]
    public void ARetryWaitsItsTurnAndKeepsTheOrder()
    {
        var queue = new DeliveryQueue();
        var first = Delivery.Of(Event(1, T0));
        var second = Delivery.Of(Event(2, T0));
        queue.Enqueue(first, T0);
        queue.Enqueue(second, T0);
        Assert.AreSame(first, queue.Peek(T0));
        queue.Failed(T0);
        Assert.IsNull(queue.Peek(T0 + TimeSpan.FromSeconds(0.5)), "waiting for the retry");
        Assert.AreSame(first, queue.Peek(T0 + TimeSpan.FromSeconds(1)), "the same one again, first");
        queue.Sent(T0 + TimeSpan.FromSeconds(1));
        Assert.AreSame(second, queue.Peek(T0 + TimeSpan.FromSeconds(1)), "the next at once");
        Assert.AreEqual(0, queue.Failures);
    }

    [TestMethod]
    public void WhenFullTheOldestIsDropped()
    {
        var queue = new DeliveryQueue(capacity: 3);
        var deliveries = Enumerable.Range(1, 5).Select(i => Delivery.Of(Event(i, T0))).ToArray();
        Assert.IsNull(queue.Enqueue(deliveries[0], T0));
        Assert.IsNull(queue.Enqueue(deliveries[1], T0));
        Assert.IsNull(queue.Enqueue(deliveries[2], T0));
        Assert.AreSame(deliveries[0], queue.Enqueue(deliveries[3], T0));
        Assert.AreSame(deliveries[1], queue.Enqueue(deliveries[4], T0));
        Assert.AreEqual(3, queue.Count);
        Assert.AreSame(deliveries[2], queue.Peek(T0));
    }

    [TestMethod]
    public void AMessageStillFailingAfterAnHourIsGivenUp()
    {
        var queue = new DeliveryQueue();
        var mail = Delivery.Of(Failover(T0));
        queue.Enqueue(mail, T0);
        Assert.IsNull(queue.Failed(T0 + TimeSpan.FromMinutes(59)));
        Assert.AreSame(mail, queue.Failed(T0 + TimeSpan.FromHours(1)));
        Assert.AreEqual(0, queue.Count);
        Assert.IsNull(queue.NextAttempt);
    }
}

[TestClass]
public sealed class ChannelWorkerTests
{
    [TestMethod]
    public void AnIdleChannelSleepsUntilOfferedSomething()
    {
        // Timeout.InfiniteTimeSpan is negative: clamping it to zero made an idle channel spin.
        Assert.AreEqual(Timeout.InfiniteTimeSpan, ChannelWorker.Sleep(null, Support.T0));
        Assert.AreEqual(TimeSpan.Zero, ChannelWorker.Sleep(Support.T0 - TimeSpan.FromSeconds(1), Support.T0));
        Assert.AreEqual(TimeSpan.FromSeconds(3), ChannelWorker.Sleep(Support.T0 + TimeSpan.FromSeconds(3), Support.T0));
    }
}
