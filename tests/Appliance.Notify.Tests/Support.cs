using Appliance.Config;

[assembly: Parallelize(Scope = ExecutionScope.MethodLevel)]

namespace Appliance.Notify.Tests;

internal static class Support
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 2, 7, 40, 9, 123, TimeSpan.Zero);

    public static Notification Event(int i, DateTimeOffset at, string name = "failover", string? server = "master") =>
        new(name, Severities.Of(name), at, "box1", server, $"event {i}", i);

    public static Notification Failover(DateTimeOffset at) =>
        new("failover", NotifySeverity.Critical, at, "box1", "master", "failover from master to slave: master's link is down", 42);
}
