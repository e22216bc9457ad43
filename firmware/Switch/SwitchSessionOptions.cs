namespace Appliance.Switch;

/// <summary>
/// Timing and bounds of a session. The defaults declare a silent switch dead within 3 s, give a
/// request at most 2 s, and cap what a peer can make us hold in memory.
/// </summary>
public sealed record SwitchSessionOptions
{
    /// <summary>Send an ECHO_REQUEST after this long without a message from the switch.</summary>
    public TimeSpan EchoInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Declare the switch dead by this long without a whole message, at the latest (it is
    /// declared at the last liveness <see cref="Tick"/> before, so up to one tick earlier).
    /// </summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long HELLO and the handshake's requests may take.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a request or batch may take, sending included, before the session is given up.
    /// OVS answers in milliseconds; the controller loop waits this long at most.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a live session has to answer an ECHO_REQUEST when another connection of the same
    /// datapath arrives: answered, the newcomer is refused; not, the newcomer replaces it.
    /// </summary>
    public TimeSpan ReplaceProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often liveness is checked.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Most bytes of one multipart reply we hold while it is reassembled. Our rules, read back as
    /// flow stats, are under 64 KiB for a handful of servers and about 1.5 MiB even for 256
    /// servers (a few rules each, at most ~400 bytes apiece); port and group descriptions are
    /// smaller. 4 MiB is twice that, and a peer cannot make us hold more.
    /// </summary>
    public int MaxMultipartBytes { get; init; } = 4 << 20;

    /// <summary>
    /// Most parts of one multipart reply. OVS fills each part to nearly 64 KiB, so 4 MiB takes ~64
    /// parts; 1024 leaves room for a switch with small parts and bounds the per-part overhead.
    /// </summary>
    public int MaxMultipartParts { get; init; } = 1024;

    /// <summary>
    /// Asynchronous messages handed on per second, with a burst of as many: PORT_STATUS changes
    /// on one budget, PACKET_IN, FLOW_REMOVED and unsolicited ERROR (and the log lines for
    /// malformed messages) on another. A real switch sends a few per link change. Beyond the
    /// budget PACKET_IN and the rest are dropped (the office LAN can cause those), and a
    /// PORT_STATUS flood, which only the switch itself can cause, ends the session.
    /// </summary>
    public int AsyncMessagesPerSecond { get; init; } = 1000;
}
