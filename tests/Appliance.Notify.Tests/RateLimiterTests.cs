using Appliance.Config;
using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

[TestClass]
public sealed class RateLimiterTests
{
    [TestMethod]
    public void FiftyFlapsInAWindowCostBurstPlusOneMessages()
    {
        var limiter = new RateLimiter(TimeSpan.FromMinutes(1), burst: 3);
        var sent = new List<Delivery>();
        for (var i = 1; i <= 50; i++)
        {
            var now = T0 + TimeSpan.FromSeconds(i);
            sent.AddRange(limiter.Offer(Event(i, now), now));
            if (limiter.Due(now) is { } early) sent.Add(early);
        }
        Assert.HasCount(3, sent, "the burst goes out at once");
        Assert.AreEqual(47, limiter.Held);
        Assert.AreEqual(T0 + TimeSpan.FromSeconds(61), limiter.NextDue, "the window opened with the first event");
        Assert.IsNull(limiter.Due(T0 + TimeSpan.FromSeconds(60.9)));

        var digest = limiter.Due(T0 + TimeSpan.FromSeconds(61));
        Assert.IsNotNull(digest);
        Assert.IsTrue(digest.IsDigest);
        Assert.HasCount(47, digest.Collapsed);
        Assert.AreEqual(4L, digest.Collapsed[0].Seq, "oldest first");
        Assert.AreEqual(T0 + TimeSpan.FromSeconds(61), digest.Time, "sent at the window's end");
        Assert.AreEqual(0, limiter.Held);
        Assert.IsNull(limiter.NextDue);
        Assert.IsNull(limiter.Due(T0 + TimeSpan.FromSeconds(200)), "one digest per window");
    }

    [TestMethod]
    public void AQuietWindowSendsNoDigestAndTheNextEventOpensANewWindow()
    {
        var limiter = new RateLimiter(TimeSpan.FromSeconds(20), burst: 2);
        Assert.HasCount(1, limiter.Offer(Event(1, T0), T0));
        Assert.HasCount(1, limiter.Offer(Event(2, T0), T0));
        Assert.IsNull(limiter.NextDue, "nothing held, nothing due");
        var later = T0 + TimeSpan.FromSeconds(25);
        var sent = limiter.Offer(Event(3, later), later);
        Assert.HasCount(1, sent, "a new window: the burst again");
        Assert.IsFalse(sent[0].IsDigest);
    }

    [TestMethod]
    public void AnEventAfterAnUntakenWindowBringsItsDigestFirst()
    {
        var limiter = new RateLimiter(TimeSpan.FromSeconds(20), burst: 1);
        limiter.Offer(Event(1, T0), T0);
        limiter.Offer(Event(2, T0 + TimeSpan.FromSeconds(1)), T0 + TimeSpan.FromSeconds(1));
        var later = T0 + TimeSpan.FromSeconds(30);
        var sent = limiter.Offer(Event(3, later), later);
        Assert.HasCount(2, sent);
        Assert.IsTrue(sent[0].IsDigest);
        Assert.AreEqual(2L, sent[0].Collapsed.Single().Seq);
        Assert.AreEqual(3L, sent[1].Single!.Seq);
    }

    [TestMethod]
    public void SustainedFlappingCostsAtMostBurstPlusOnePerWindow()
    {
        var window = TimeSpan.FromSeconds(20);
        var limiter = new RateLimiter(window, burst: 3);
        var sent = 0;
        // 50 flaps a minute for three minutes, a digest taken whenever due.
        for (var i = 0; i < 150; i++)
        {
            var now = T0 + TimeSpan.FromSeconds(i * 1.2);
            if (limiter.Due(now) is not null) sent++;
            sent += limiter.Offer(Event(i, now), now).Count;
        }
        Assert.IsLessThanOrEqualTo(4 * 10, sent, $"{sent} messages in 180 s of 20 s windows");
    }
}

[TestClass]
public sealed class IncidentOrderTests
{
    [TestMethod]
    public void TheFailoverOfAnIncidentGoesFirstAndGetsABurstSlot()
    {
        var at = Support.T0;
        Notification[] incident = [Support.Event(7, at, "link_down"), Support.Event(8, at, "health_down"), Support.Event(9, at, "hard_down"), Support.Event(10, at, "failover"), Support.Event(11, at, "serving")];
        var ordered = Notifier.MostSevereFirst(incident).ToList();
        CollectionAssert.AreEqual(new long[] { 10, 7, 8, 9, 11 }, ordered.Select(n => n.Seq).ToArray(), "critical, then the warnings in their order, then info");

        var limiter = new RateLimiter(TimeSpan.FromMinutes(5), burst: 3);
        limiter.Offer(Support.Event(1, at, "firmware_started"), at);
        var sent = ordered.SelectMany(n => limiter.Offer(n, at)).ToList();
        Assert.AreEqual("failover", sent[0].Single!.Event, "the burst's second slot, not the digest five minutes later");
    }

    /// <summary>A window keeps at most <c>MaxHeld</c> events for its digest and counts the rest: held events cost memory until the window ends.</summary>
    [TestMethod]
    public void TenThousandHeldEventsKeepAHundredAndACount()
    {
        var digest = HeldDigest(10_000);
        Assert.HasCount(100, digest.Collapsed, "the oldest hundred are listed");
        Assert.AreEqual(1L, digest.Collapsed[0].Seq);
        Assert.AreEqual(100L, digest.Collapsed[^1].Seq);
        Assert.AreEqual(NotifySeverity.Critical, digest.Severity, "the failover among the unlisted still sets the digest's severity");
    }

    [TestMethod]
    public void HeldCountsEveryHeldEvent()
    {
        var limiter = new RateLimiter(TimeSpan.FromMinutes(1), burst: 1);
        for (var i = 0; i <= 10_000; i++) limiter.Offer(Event(i, T0), T0);
        Assert.AreEqual(10_000, limiter.Held);
        Assert.AreEqual(T0 + TimeSpan.FromMinutes(1), limiter.NextDue);
        var digest = limiter.Due(T0 + TimeSpan.FromMinutes(1));
        Assert.IsNotNull(digest);
        Assert.AreEqual(0, limiter.Held, "the next window starts empty");
        limiter.Offer(Event(10_001, T0 + TimeSpan.FromMinutes(2)), T0 + TimeSpan.FromMinutes(2));
        limiter.Offer(Event(10_002, T0 + TimeSpan.FromMinutes(2)), T0 + TimeSpan.FromMinutes(2));
        Assert.HasCount(1, limiter.Due(T0 + TimeSpan.FromMinutes(3))!.Collapsed);
    }
}
