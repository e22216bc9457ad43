using System.Net;

namespace Appliance.Config;

/// <summary>The values used for keys that are absent from the file (docs/configuration.md, the "default" columns).</summary>
public static class ConfigDefaults
{
    /// <summary>The file <c>appliance</c> reads when no <c>--config</c> is given.</summary>
    public const string ConfigPath = "/etc/appliance/appliance.yml";

    public const string BridgeName = "br0";
    public const DatapathType Datapath = DatapathType.System;
    public const string ManagementCidr = "10.0.0.6/24";
    public const int ManagementPrefixLength = 24;

    /// <summary>10.0.0.6 (a new instance each time).</summary>
    public static IPAddress ManagementAddress => new([10, 0, 0, 6]);

    public const string OpenFlowListenText = "tcp:127.0.0.1:6653";
    public const int OpenFlowPort = 6653;

    /// <summary>tcp:127.0.0.1:6653.</summary>
    public static OpenFlowEndpoint OpenFlowListen => new TcpEndpoint(new IPAddress([127, 0, 0, 1]), OpenFlowPort);

    public const bool AllowRemote = false;

    /// <summary><c>openflow.datapath_id</c>: ask OVSDB for <c>bridge.name</c>'s datapath ID.</summary>
    public const string DatapathIdText = "auto";
    public const ServiceMode Mode = ServiceMode.Nat;

    /// <summary>NAT mode: the master's conntrack zone; the next servers use the zones after it.</summary>
    public const int ConntrackZone = 100;

    /// <summary>NAT mode: the most connections the switch tracks per server (ovs-config/ct-limits applies it).</summary>
    public const int ConntrackLimit = 65536;

    public const ProbeKind Probe = ProbeKind.Http;
    public const int HealthPort = 80;
    public const string HealthPath = "/";
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(40);
    public static readonly TimeSpan HoldDown = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan FlapWindow = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan HardDown = TimeSpan.FromMilliseconds(500);
    public const int Fall = 3;
    public const int Rise = 3;

    /// <summary><c>health.passive_refusals</c>: the first refused client connection is the last.</summary>
    public const int PassiveRefusals = 1;
    public static readonly TimeSpan PassiveWithin = TimeSpan.FromSeconds(1);

    public const FailbackMode Failback = FailbackMode.Auto;

    public const PanelDriver Driver = PanelDriver.Auto;
    public const int Chip = 0;
    public const int MasterLed = 17;
    public const int SlaveLed = 27;
    public const int FaultLed = 22;
    public const int ButtonPin = 23;
    public const bool ButtonPullUp = true;

    /// <summary>api.listen defaults to the management address on this port.</summary>
    public const int ApiPort = 80;
    public const string TokenFile = "/etc/appliance/api.token";

    public const NotifySeverity NotifyMinSeverity = NotifySeverity.Warning;
    public static readonly TimeSpan NotifyWindow = TimeSpan.FromMinutes(5);
    public const int NotifyBurst = 3;
    public const int SmtpSubmissionPort = 587;
    public const int SmtpsPort = 465;
    public const int SmtpPort = 25;
    public const int SyslogPort = 514;
}

/// <summary>Bounds the validator enforces.</summary>
public static class ConfigLimits
{
    /// <summary>Highest OpenFlow physical port number (OFPP_MAX).</summary>
    public const uint MaxServerPort = 0xFFFF_FF00;

    /// <summary>Server names: 1..16 characters from a-z, 0-9 and '-'.</summary>
    public const int MaxServerNameLength = 16;

    /// <summary>Whether <paramref name="name"/> is a valid server name (<see cref="MaxServerNameLength"/>).</summary>
    public static bool IsServerName(string name) =>
        name.Length is > 0 and <= MaxServerNameLength && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    public static readonly TimeSpan MinHealthInterval = TimeSpan.FromMilliseconds(10);

    /// <summary><c>health.hard_down</c> at most: connections on a silent server do not wait longer than this to move.</summary>
    public static readonly TimeSpan MaxHardDown = TimeSpan.FromMinutes(5);

    /// <summary>Each server has a conntrack zone and one more holds the pins (docs/configuration.md#service): 16 bits leave room for this many.</summary>
    public const int MaxServers = 255;

    /// <summary><c>health.passive_ports</c>: each port is two rules in the switch.</summary>
    public const int MaxPassivePorts = 16;

    public const int MaxPassiveRefusals = 1000;

    public static readonly TimeSpan MaxPassiveWithin = TimeSpan.FromMinutes(10);

    public const int MinFallRise = 1;
    public const int MaxFallRise = 100;

    /// <summary>Conntrack zones are 16 bits; the highest first zone leaves room for 255 more servers.</summary>
    public const int MaxConntrackZone = 65280;

    public const int MaxConntrackLimit = 10_000_000;

    /// <summary>Linux interface names (and so OVS bridge names) are at most 15 bytes.</summary>
    public const int MaxBridgeNameLength = 15;

    /// <summary>
    /// Largest configuration file read (1 MiB): a configuration is a few KB, and a bigger file would only cost
    /// time and memory (docs/configuration.md#validation).
    /// </summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary><c>notify.window</c>: from a second (tests, a chatty lab) to a day.</summary>
    public static readonly TimeSpan MinNotifyWindow = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxNotifyWindow = TimeSpan.FromDays(1);
    public const int MaxNotifyBurst = 1000;
    public const int MaxNotifyRecipients = 50;
}
