using Appliance.Config;

[assembly: Parallelize(Scope = ExecutionScope.MethodLevel)]

namespace Appliance.Notify.Tests;

internal static class Support
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 2, 7, 40, 9, 123, TimeSpan.Zero);

    public static Notification Event(int i, DateTimeOffset at, string name = "failover", string? server = "master") =>
        new(name, Severities.Of(name), at, "box1", server, $"event {i}", i);

    /// <summary>
    /// The digest of a window in which <paramref name="held"/> events were held back (a flapping link's warnings,
    /// the last of them a failover), as a <see cref="RateLimiter"/> with a burst of 1 makes it.
    /// </summary>
    public static Delivery HeldDigest(int held)
    {
        var limiter = new RateLimiter(TimeSpan.FromMinutes(1), burst: 1);
        limiter.Offer(Event(0, T0, "link_down"), T0);
        for (var i = 1; i <= held; i++)
        {
            limiter.Offer(Event(i, T0, i == held ? "failover" : "link_down"), T0);
        }
        return limiter.Due(T0 + TimeSpan.FromMinutes(1)) ?? throw new InvalidOperationException("no digest");
    }

    public static Notification Failover(DateTimeOffset at) =>
        new("failover", NotifySeverity.Critical, at, "box1", "master", "failover from master to slave: master's link is down", 42);
}
