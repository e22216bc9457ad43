using System.Collections.Immutable;

namespace Appliance.Policy;

public enum LinkState { Unknown, Up, Down }

public enum HealthState { Unknown, Up, Down }

/// <summary>A server's place in the service, as the status API names it (docs/api.md).</summary>
public enum ServerRole { Active, Standby, Down }

/// <summary>What the policy knows about one server.</summary>
/// <param name="Priority">0 for the master, 1 for the next, …</param>
/// <param name="SuccessRun">Consecutive healthy probes.</param>
/// <param name="FailureRun">Consecutive failed probes.</param>
/// <param name="LastDetail">Why the last probe failed, or what happened last.</param>
/// <param name="Downs">When the server went down, within the flap window.</param>
/// <param name="HeldUntil">While flapping, the server stays out of service until then.</param>
/// <param name="Drained">Moved out of service by the operator (3 s hold) until a failback request.</param>
/// <param name="Carrier">The carrier of the server's port as the kernel sees it; unknown without a carrier watch.</param>
/// <param name="HardDown">Down for good, not just for new connections: its link died, it refused or reset a probe, or it
/// stayed silent past <c>health.hard_down</c>. Its established connections move to the next server.</param>
/// <param name="LastAnswer">When it last answered a probe (or was presumed to, when the firmware adopted the switch).</param>
public sealed record ServerStatus(
    string Name,
    int Priority,
    LinkState Link,
    HealthState Health,
    int SuccessRun,
    int FailureRun,
    string LastDetail,
    ImmutableArray<TimeSpan> Downs,
    TimeSpan? HeldUntil,
    bool Drained,
    LinkState Carrier = LinkState.Unknown,
    bool HardDown = false,
    TimeSpan? LastAnswer = null)
{
    public static ServerStatus Initial(string name, int priority) =>
        new(name, priority, LinkState.Unknown, HealthState.Unknown, 0, 0, "", [], null, false);

    public bool IsHeld(TimeSpan now) => HeldUntil is { } until && until > now;

    /// <summary>May receive new connections: link not down, healthy, not held down, not drained.</summary>
    public bool IsUsable(TimeSpan now) => Link != LinkState.Down && Health == HealthState.Up && !IsHeld(now) && !Drained;
}
