using System.Collections.Immutable;

namespace Appliance.Policy;

/// <summary>
/// The switch state the policy wants: the servers new connections go to, in bucket order, and the
/// servers whose established connections must leave them. The first bucket is the active server;
/// the switch falls through to the next ones by itself when a link dies, without waiting for the
/// firmware. An established connection stays on the server it started on unless that server is in
/// <see cref="HardDown"/> (or its link dies).
/// </summary>
/// <param name="Buckets">Server names in bucket order. Empty means nobody at all can take new connections.</param>
/// <param name="Active">The server meant to serve, or null when no server is healthy.</param>
/// <param name="HardDown">Servers whose established connections move to the first of <see cref="Buckets"/>; never one of <see cref="Buckets"/>.</param>
/// <param name="Standby">This box is the standby of a pair (docs/pair.md): it answers nothing for the VIP and forwards nothing to the servers, whatever the buckets say.</param>
public sealed record DesiredSwitchState(ImmutableArray<string> Buckets, string? Active, ImmutableArray<string> HardDown = default, bool Standby = false)
{
    public ImmutableArray<string> HardDown { get; } = HardDown.IsDefault ? [] : HardDown;

    public bool Equals(DesiredSwitchState? other) =>
        other is not null && Active == other.Active && Standby == other.Standby && Buckets.SequenceEqual(other.Buckets) && HardDown.SequenceEqual(other.HardDown);

    public override int GetHashCode() => HashCode.Combine(Active, Buckets.Length > 0 ? Buckets[0] : null, Buckets.Length, HardDown.Length, Standby);

    public override string ToString() =>
        $"{(Standby ? "standby box: " : "")}active={Active ?? "none"} buckets=[{string.Join(", ", Buckets)}]{(HardDown.IsEmpty ? "" : $" hard-down=[{string.Join(", ", HardDown)}]")}";
}

public enum EventKind
{
    SwitchConnected,
    SwitchDisconnected,
    LinkDown,
    LinkUp,
    HealthDown,

    /// <summary>A down server's established connections move: its link died, it refused, or it stayed silent past <c>health.hard_down</c>.</summary>
    HardDown,
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

    /// <summary>The firmware started: logged at start, not by the policy, so the history shows each restart.</summary>
    FirmwareStarted,

    /// <summary>A configuration applied through the API was taken and the switch confirmed its rules; logged by the firmware's run loop.</summary>
    ConfigApplied,

    /// <summary>A configuration applied through the API did not get the switch programmed; the previous file was restored and runs again.</summary>
    ConfigRolledBack,

    /// <summary>An A/B update (RAUC) was written to the other slot; it runs after a reboot. Logged by the update component (docs/api.md#update).</summary>
    UpdateInstalled,

    /// <summary>An update was refused or failed (RAUC's reason); the running system is untouched.</summary>
    UpdateFailed,

    /// <summary>Once per boot: the slot booted after an update passed its trial boot and was marked good.</summary>
    UpdateBooted,

    /// <summary>Once per boot: the updated slot failed its trial boot; the box went back to the previous one.</summary>
    UpdateRolledBack,

    /// <summary>This box of a pair became active: it answers the VIP and forwards to the servers (docs/pair.md).</summary>
    PairActive,

    /// <summary>This box of a pair became standby: it answers nothing for the VIP and forwards nothing to the servers.</summary>
    PairStandby,

    /// <summary>keepalived reported a path between the boxes in a new state (MASTER, BACKUP, FAULT).</summary>
    PairPath,

    /// <summary>The operator asked the standby box to take over: its VRRP bonus is raised until it is elected on every path.</summary>
    PairTakeover,

    /// <summary>The operator asked the active box to hand over: its VRRP bonus is lowered until the peer is elected on every path.</summary>
    PairHandover,

    /// <summary>A takeover or handover did not move the role within its limit: the bonus is back to the role's.</summary>
    PairMoveGivenUp,

    /// <summary>The pair has a fault: the peer not heard, or split brain (this box active and the peer heard as master).</summary>
    PairFault,

    /// <summary>The pair's fault is over.</summary>
    PairFaultCleared,

    /// <summary>Settings the two boxes of a pair must share differ (or the differing keys changed): a fault until they are the same.</summary>
    PairSettingsDiffer,

    /// <summary>The pair's shared settings are the same on both boxes again.</summary>
    PairSettingsSame,
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
