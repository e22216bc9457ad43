using System.Net;

namespace Appliance.Config;

/// <summary>Kind of OVS datapath the bridge uses (<c>bridge.datapath</c>).</summary>
public enum DatapathType
{
    /// <summary>Kernel datapath (the appliance itself).</summary>
    System,
    /// <summary>Userspace datapath (labs and VMs).</summary>
    Netdev,
}

/// <summary>How traffic to the VIP is delivered to a server (<c>service.mode</c>).</summary>
public enum ServiceMode
{
    /// <summary>Destination IP and MAC are rewritten; servers need no change.</summary>
    Nat,
    /// <summary>Only the destination MAC is rewritten; servers hold the VIP on loopback.</summary>
    Dsr,
}

/// <summary>Health probe kind (<c>health.probe</c>).</summary>
public enum ProbeKind
{
    Link,
    Arp,
    Icmp,
    Tcp,
    Http,
}

/// <summary>What happens when a higher-priority server becomes healthy again (<c>failback</c>).</summary>
public enum FailbackMode
{
    Auto,
    Manual,
}

/// <summary>Front-panel GPIO driver (<c>panel.driver</c>).</summary>
public enum PanelDriver
{
    Auto,
    Libgpiod,
    Sysfs,
    Simulated,
    None,
}

/// <summary>A validated appliance configuration. Everything is non-null; absent keys hold the defaults of docs/configuration.md.</summary>
/// <param name="SourcePath">The path (or source name) the configuration was read from.</param>
/// <param name="Servers">Servers in priority order: the first is the master. Never empty.</param>
public sealed record ApplianceConfig(
    string SourcePath,
    BridgeConfig Bridge,
    OpenFlowConfig OpenFlow,
    ServiceConfig Service,
    IReadOnlyList<ServerConfig> Servers,
    HealthConfig Health,
    FailbackMode Failback,
    PanelConfig Panel,
    ApiConfig Api)
{
    /// <summary>The highest-priority server (the first listed).</summary>
    public ServerConfig Master => Servers[0];

    /// <summary>
    /// Things that are allowed but worth telling the operator (e.g. only one server configured).
    /// Same shape and formatting as errors; <c>appliance check</c> should print them.
    /// </summary>
    public IReadOnlyList<ConfigError> Warnings { get; init; } = [];

    /// <summary><c>time:</c> the NTP servers the box sets its clock from.</summary>
    public TimeConfig Time { get; init; } = TimeConfig.Default;
    /// <summary><c>notify:</c> where the box tells of its events (e-mail, webhook, syslog); by default nowhere.</summary>
    public NotifyConfig Notify { get; init; } = NotifyConfig.None;
    /// <summary><c>pair:</c> this box is one of a pair (docs/pair.md); null for a box on its own.</summary>
    public PairConfig? Pair { get; init; }

    /// <summary>Priority index of the named server: 0 for the master, 1 for the next, …; -1 when no server has that name.</summary>
    public int PriorityOf(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        for (int i = 0; i < Servers.Count; i++)
        {
            if (string.Equals(Servers[i].Name, serverName, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Priority index of the given server (matched by name); -1 when it is not one of <see cref="Servers"/>.</summary>
    public int PriorityOf(ServerConfig server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return PriorityOf(server.Name);
    }

    /// <summary>The server with that name, or null.</summary>
    public ServerConfig? FindServer(string serverName)
    {
        int i = PriorityOf(serverName);
        return i < 0 ? null : Servers[i];
    }

    /// <summary>The server attached to that OpenFlow port, or null.</summary>
    public ServerConfig? FindServerByPort(uint port)
    {
        foreach (ServerConfig s in Servers)
        {
            if (s.Port == port)
            {
                return s;
            }
        }
        return null;
    }
}

/// <summary><c>bridge:</c> the OVS bridge the firmware controls and the appliance's management address.</summary>
public sealed record BridgeConfig(string Name, DatapathType Datapath, IPAddress ManagementAddress, int ManagementPrefixLength)
{
    /// <summary>"10.0.0.6/24" form of the management address.</summary>
    public string ManagementCidr => $"{ManagementAddress}/{ManagementPrefixLength}";

    /// <summary>True when <paramref name="address"/> (IPv4) is inside the management subnet.</summary>
    public bool IsInManagementSubnet(IPAddress address) =>
        Ipv4.SameSubnet(ManagementAddress, address, ManagementPrefixLength);
}

/// <summary><c>openflow:</c> where the firmware listens for the switch, and which datapath may connect.</summary>
/// <param name="DatapathId">
/// The only datapath accepted as the switch; null for <c>auto</c>: the one OVSDB names for
/// <c>bridge.name</c> (docs/configuration.md).
/// </param>
public sealed record OpenFlowConfig(OpenFlowEndpoint Listen, bool AllowRemote, ulong? DatapathId = null);

/// <summary><c>service:</c> the virtual service.</summary>
public sealed record ServiceConfig(IPAddress Vip, MacAddress Vmac, ServiceMode Mode)
{
    /// <summary><c>service.conntrack_zone</c>: NAT mode's zone for the master; each next server uses the next zone.</summary>
    public ushort ConntrackZone { get; init; } = ConfigDefaults.ConntrackZone;

    /// <summary>
    /// <c>service.conntrack_limit</c>: the most connections the datapath tracks in each server's
    /// zone; 0 (<c>off</c>) leaves the datapath's setting alone. Applied by the bridge set-up
    /// (root), not by the firmware.
    /// </summary>
    public int ConntrackLimit { get; init; } = ConfigDefaults.ConntrackLimit;

    /// <summary>The vmac used when none is configured: 02:00 followed by the four VIP bytes (10.0.0.100 → 02:00:0a:00:00:64).</summary>
    public static MacAddress DefaultVmacFor(IPAddress vip)
    {
        ArgumentNullException.ThrowIfNull(vip);
        if (vip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ArgumentException("the VIP must be an IPv4 address", nameof(vip));
        }
        return new MacAddress(0x0200_0000_0000UL | Ipv4.ToUInt32(vip));
    }
}

/// <summary>One entry of <c>servers:</c>.</summary>
/// <param name="Port">OpenFlow port number the server is attached to (1..0xffffff00).</param>
/// <param name="Mac">The server's MAC when configured; null means learn it by ARP.</param>
public sealed record ServerConfig(string Name, IPAddress Address, uint Port, MacAddress? Mac);

/// <summary><c>health:</c> the health probe.</summary>
public sealed record HealthConfig(ProbeKind Probe, int Port, string Path, TimeSpan Interval, TimeSpan Timeout, int Fall, int Rise)
{
    /// <summary>
    /// <c>health.hold_down</c>: how long a flapping server (down twice within <see cref="FlapWindow"/>)
    /// is kept out after it recovers; doubles with each further down. Zero (<c>off</c>) disables it.
    /// </summary>
    public TimeSpan HoldDown { get; init; } = ConfigDefaults.HoldDown;

    /// <summary><c>health.flap_window</c>: downs older than this no longer count as flapping.</summary>
    public TimeSpan FlapWindow { get; init; } = ConfigDefaults.FlapWindow;

    /// <summary>
    /// <c>health.hard_down</c>: how long a down server may stay silent (since it last answered) before its
    /// established connections move to the next server. Until then only new connections avoid it, so a
    /// server that stalls for a moment keeps them. Zero moves them as soon as it is down.
    /// </summary>
    public TimeSpan HardDown { get; init; } = ConfigDefaults.HardDown;

    /// <summary><c>health.passive*</c>: servers' refusals of client connections, seen in the switch, mark them down at once.</summary>
    public PassiveHealthConfig Passive { get; init; } = PassiveHealthConfig.Default;
}

/// <summary>
/// Passive health: a server that answers a new client connection to one of <see cref="Ports"/> with
/// a TCP reset, or a datagram with ICMP port or host unreachable, <see cref="Refusals"/> times within
/// <see cref="Within"/>, is down at once and its established connections move (docs/configuration.md#passive-health).
/// </summary>
/// <param name="Enabled"><c>health.passive</c>: on or off.</param>
/// <param name="Ports"><c>health.passive_ports</c>: the service's TCP and UDP ports whose refusals count; none watches nothing.</param>
public sealed record PassiveHealthConfig(bool Enabled, IReadOnlyList<ushort> Ports, int Refusals, TimeSpan Within)
{
    /// <summary>On, one refusal is enough, no port watched: the reader adds the probe's port for tcp and http probes.</summary>
    public static PassiveHealthConfig Default { get; } = new(true, [], ConfigDefaults.PassiveRefusals, ConfigDefaults.PassiveWithin);

    /// <summary>The switch reports refusals: on, with at least one port.</summary>
    public bool Watching => Enabled && Ports.Count > 0;

    public bool Equals(PassiveHealthConfig? other) =>
        other is not null && Enabled == other.Enabled && Ports.SequenceEqual(other.Ports) && Refusals == other.Refusals && Within == other.Within;

    public override int GetHashCode() => HashCode.Combine(Enabled, Ports.Count, Refusals, Within);
}

/// <summary><c>panel:</c> the front panel's GPIO lines.</summary>
public sealed record PanelConfig(PanelDriver Driver, int Chip, int MasterLed, int SlaveLed, int FaultLed, int ButtonPin, bool ButtonPullUp);

/// <summary><c>api:</c> the HTTP API and status page.</summary>
public sealed record ApiConfig(IPEndPoint Listen, string TokenFile)
{
    /// <summary>
    /// <c>api.hostnames</c>: names (or addresses) besides the listen and management addresses that requests may
    /// carry as their Host, as written (docs/configuration.md#api).
    /// </summary>
    public IReadOnlyList<string> Hostnames { get; init; } = [];

    public bool Equals(ApiConfig? other) =>
        other is not null && Listen.Equals(other.Listen) && TokenFile == other.TokenFile && Hostnames.SequenceEqual(other.Hostnames);

    public override int GetHashCode() => HashCode.Combine(Listen, TokenFile, Hostnames.Count);
}

/// <summary>
/// <c>time:</c> the box's clock, kept by systemd-timesyncd (boot/…/appliance-time writes its settings).
/// </summary>
/// <param name="NtpServers"><c>time.ntp</c>: host names or addresses; empty for <c>dhcp</c>: the servers the
/// management address's DHCP lease names, else Debian's pool.</param>
public sealed record TimeConfig(IReadOnlyList<string> NtpServers)
{
    /// <summary>More is no better for timesyncd, which uses one server at a time.</summary>
    public const int MaxServers = 8;

    public static TimeConfig Default { get; } = new([]);

    /// <summary><c>time.ntp: dhcp</c>.</summary>
    public bool FromDhcp => NtpServers.Count == 0;

    public bool Equals(TimeConfig? other) => other is not null && NtpServers.SequenceEqual(other.NtpServers);

    public override int GetHashCode() => NtpServers.Count;
}

/// <summary>How much an event matters to the people told of it (<c>notify.min_severity</c>).</summary>
public enum NotifySeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>How the SMTP connection is protected (<c>notify.email.security</c>).</summary>
public enum MailSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS before anything is said (port 587); refused when the server does not offer it.</summary>
    StartTls,
    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,
    /// <summary>No encryption (a relay on the office's own network, port 25).</summary>
    None,
}

/// <summary>The body a webhook receives (<c>notify.webhook.format</c>).</summary>
public enum WebhookFormat
{
    /// <summary>The event as an object: {event, severity, time, box, server, message, seq}.</summary>
    Json,
    /// <summary>{"text": "..."}, as chat systems' incoming webhooks take.</summary>
    Chat,
}

/// <summary>How syslog messages travel (<c>notify.syslog.transport</c>).</summary>
public enum SyslogTransport
{
    Udp,
    /// <summary>TCP with RFC 6587 octet counting.</summary>
    Tcp,
}

/// <summary><c>notify:</c> which events are told, how often at most, and to whom.</summary>
/// <param name="Window">The rate limit's window: per window at most <paramref name="Burst"/> messages per channel, the rest in one digest at its end.</param>
public sealed record NotifyConfig(NotifySeverity MinSeverity, TimeSpan Window, int Burst, EmailConfig? Email, WebhookConfig? Webhook, SyslogConfig? Syslog)
{
    /// <summary>No channel: nothing is sent.</summary>
    public static NotifyConfig None { get; } = new(ConfigDefaults.NotifyMinSeverity, ConfigDefaults.NotifyWindow, ConfigDefaults.NotifyBurst, null, null, null);

    /// <summary>At least one channel is configured.</summary>
    public bool Any => Email is not null || Webhook is not null || Syslog is not null;
}

/// <summary><c>notify.email:</c> an SMTP server and the mail's addresses.</summary>
/// <param name="Host">Host name or IPv4 address of the SMTP server.</param>
/// <param name="PasswordFile">Where the SMTP password is (read at each send); null without AUTH.</param>
public sealed record EmailConfig(string Host, int Port, MailSecurity Security, string? Username, string? PasswordFile, string From, IReadOnlyList<string> To)
{
    public bool Equals(EmailConfig? other) =>
        other is not null && Host == other.Host && Port == other.Port && Security == other.Security && Username == other.Username
        && PasswordFile == other.PasswordFile && From == other.From && To.SequenceEqual(other.To);

    public override int GetHashCode() => HashCode.Combine(Host, Port, Security, Username, PasswordFile, From, To.Count);
}

/// <summary><c>notify.webhook:</c> an HTTP(S) URL that receives a POST per message.</summary>
public sealed record WebhookConfig(Uri Url, WebhookFormat Format);

/// <summary><c>notify.syslog:</c> a remote syslog server (RFC 5424).</summary>
public sealed record SyslogConfig(string Host, int Port, SyslogTransport Transport);

/// <summary>
/// <c>pair:</c> this box and another work as one (docs/pair.md). keepalived (VRRPv3, instances
/// <c>lan</c> and <c>peer</c>) decides; the firmware follows its <see cref="NotifyFifo"/> and writes
/// its priority bonus to <see cref="TrackFile"/>.
/// </summary>
/// <param name="NotifyFifo">keepalived's <c>notify_fifo</c>: one line per instance state change.</param>
/// <param name="TrackFile">keepalived's <c>vrrp_track_file</c>: the firmware writes <see cref="ActiveBonus"/> while active, 0 while standby.</param>
/// <param name="Settle">How long a freshly started box listens before it may become active.</param>
public sealed record PairConfig(string NotifyFifo, string TrackFile, TimeSpan Settle)
{
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromSeconds(1);

    /// <summary>Read from a file without <c>pair:</c>; never in <see cref="ApplianceConfig.Pair"/>.</summary>
    internal static readonly PairConfig None = new("", "", TimeSpan.Zero);

    /// <summary>The VRRP instances, one per path between the boxes.</summary>
    public static readonly IReadOnlyList<string> Paths = [LanPath, "peer"];

    /// <summary>The path through the office LAN: its adverts leave by the box's office port.</summary>
    public const string LanPath = "lan";

    /// <summary>What the active box adds to its VRRP priority, so that both paths elect it.</summary>
    public const int ActiveBonus = 50;

    /// <summary>The peer box's API (<c>http://IPv4:PORT/</c>), whose configuration this box compares with its own; null: not compared.</summary>
    public Uri? PeerApi { get; init; }

    /// <summary>The file holding the peer box's API token; set exactly when <see cref="PeerApi"/> is.</summary>
    public string? PeerTokenFile { get; init; }
}
