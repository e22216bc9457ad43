namespace Appliance.Policy;

/// <summary>
/// Something that happened, stamped with the monotonic time it happened at (time since the
/// firmware started). Wall-clock time is not used: it may jump when NTP first syncs.
/// </summary>
public abstract record PolicyInput(TimeSpan At);

/// <summary>
/// The switch connected and its fast-failover group was read: <paramref name="GroupServers"/>
/// are the servers its buckets send to, in bucket order, or null when it has no such group
/// (first start). This is what the firmware believed before it restarted, so adopting it keeps a
/// restart from changing anything. <paramref name="LiveServers"/> are the servers whose port is live.
/// <paramref name="HardDown"/> are the servers whose established connections the switch already moves
/// elsewhere (their own pin group no longer delivers to them).
/// </summary>
public sealed record SwitchConnected(TimeSpan At, IReadOnlyList<string>? GroupServers, IReadOnlySet<string> LiveServers, IReadOnlySet<string>? HardDown = null) : PolicyInput(At);

public sealed record SwitchDisconnected(TimeSpan At) : PolicyInput(At);

/// <summary>
/// After the switch (re)connected, it confirmed (barrier) that it holds the rules of the current
/// decision: from now on probes cross a switch that forwards as the firmware wants.
/// </summary>
public sealed record RulesConfirmed(TimeSpan At) : PolicyInput(At);

/// <summary>Who reports a server's link.</summary>
public enum LinkSource
{
    /// <summary>The switch: its port is live or not (PORT_STATUS, or the ports read at connection).</summary>
    Switch,

    /// <summary>The kernel: the carrier of the port's network interface (rtnetlink), whatever the switch does with it.</summary>
    Carrier,
}

/// <summary>A server's port is live (true) or not, as the switch or the kernel's carrier tells.</summary>
public sealed record LinkChanged(TimeSpan At, string Server, bool Up, LinkSource Source = LinkSource.Switch) : PolicyInput(At);

/// <summary>One health probe finished. <paramref name="Detail"/> says why it failed ("connection refused", "timeout").</summary>
/// <param name="Refused">The server itself said no (TCP reset, connection refused): its service is gone, not slow.</param>
public sealed record ProbeResult(TimeSpan At, string Server, bool Healthy, string Detail = "", bool Refused = false) : PolicyInput(At);

/// <summary>How a server refused a client.</summary>
public enum RefusalKind
{
    /// <summary>A TCP reset in answer to a connection it never accepted.</summary>
    TcpReset,

    /// <summary>ICMP port unreachable in answer to a datagram.</summary>
    PortUnreachable,

    /// <summary>ICMP host unreachable in answer to a datagram.</summary>
    HostUnreachable,
}

/// <summary>
/// The switch saw <paramref name="Server"/> refuse a new client connection to the VIP's
/// <paramref name="Port"/> (passive health; only the server's own port is watched).
/// </summary>
public sealed record ClientRefused(TimeSpan At, string Server, RefusalKind Kind, ushort Port) : PolicyInput(At)
{
    public string Describe() => Kind switch
    {
        RefusalKind.TcpReset => $"TCP port {Port}: reset",
        RefusalKind.PortUnreachable => $"UDP port {Port}: port unreachable",
        _ => $"UDP port {Port}: host unreachable",
    };
}

/// <summary>Operator asks to return to the highest-priority healthy server (short press, API, CLI).</summary>
/// <param name="Press">A short press of the button (physical or <c>/api/press</c>): on the standby box of a pair it asks to take over.</param>
public sealed record FailbackRequested(TimeSpan At, string Source, bool Press = false) : PolicyInput(At);

/// <summary>
/// Operator asks to move service off the active server to the next healthy one (3 s hold):
/// planned maintenance. The drained server stays out until a failback request.
/// </summary>
public sealed record MoveRequested(TimeSpan At, string Source) : PolicyInput(At);

/// <summary>
/// The operator's intent saved before the firmware restarted, handed back before the switch
/// connects; <paramref name="Problem"/> says why none could be read (then <paramref name="Intent"/>
/// is <see cref="OperatorIntent.None"/>).
/// </summary>
public sealed record IntentRestored(TimeSpan At, OperatorIntent Intent, string? Problem = null) : PolicyInput(At);

/// <summary>Time passed; sent when <see cref="PolicyDecision.WakeAt"/> comes.</summary>
public sealed record Tick(TimeSpan At) : PolicyInput(At);

/// <summary>A press of the front-panel button: physical, or through the API or <c>appliance press</c>.</summary>
public enum PressKind
{
    /// <summary>Asks for failback.</summary>
    Short,

    /// <summary>Held 3 s: moves service to the next healthy server.</summary>
    Long,
}

public static class PressKinds
{
    /// <summary>What a press means to the policy.</summary>
    public static PolicyInput ToRequest(this PressKind kind, TimeSpan at, string source) =>
        kind == PressKind.Short ? new FailbackRequested(at, source, Press: true) : new MoveRequested(at, source);
}
