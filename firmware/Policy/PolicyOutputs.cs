using System.Collections.Immutable;

namespace Appliance.Policy;

/// <summary>
/// The switch state the policy wants: the servers the VIP's fast-failover group sends to, in
/// bucket order. The first is the active server; the switch falls through to the next ones by
/// itself when a link dies, without waiting for the firmware.
/// </summary>
/// <param name="Buckets">Server names in bucket order. Empty means nobody at all can take the traffic.</param>
/// <param name="Active">The server meant to serve, or null when no server is healthy.</param>
public sealed record DesiredSwitchState(ImmutableArray<string> Buckets, string? Active)
{
    public bool Equals(DesiredSwitchState? other) =>
        other is not null && Active == other.Active && Buckets.SequenceEqual(other.Buckets);

    public override int GetHashCode() => HashCode.Combine(Active, Buckets.Length > 0 ? Buckets[0] : null, Buckets.Length);

    public override string ToString() => $"active={Active ?? "none"} buckets=[{string.Join(", ", Buckets)}]";
}

public enum EventKind
{
    SwitchConnected,
    SwitchDisconnected,
    LinkDown,
    LinkUp,
    HealthDown,
    HealthUp,
    HeldDown,
    HoldDownEnded,
    Serving,
    Failover,
    Failback,
    Moved,
    MaintenanceEnded,
    RequestRefused,
    NoHealthyServer,
    ConfigRefused,
    StateRestored,
    StateReset,

    /// <summary>A server's learned MAC changed (a replaced NIC); logged by the controller, not the policy.</summary>
    MacChanged,
}

/// <summary>Something the operator should see in the event log.</summary>
public sealed record PolicyEvent(TimeSpan At, EventKind Kind, string? Server, string Message)
{
    public override string ToString() => $"{At.TotalSeconds,9:0.000}s {Kind}: {Message}";
}

/// <summary>The answer to a failback or move request.</summary>
public sealed record RequestOutcome(bool Accepted, string Message);

/// <summary>What one input led to.</summary>
/// <param name="Reply">The answer to a request input; null for other inputs.</param>
/// <param name="WakeAt">When the policy wants a <see cref="Tick"/> (a hold-down ends), if ever.</param>
public sealed record PolicyDecision(
    DesiredSwitchState Desired,
    bool DesiredChanged,
    ImmutableArray<PolicyEvent> Events,
    RequestOutcome? Reply,
    TimeSpan? WakeAt);
