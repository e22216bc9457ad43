namespace Appliance.OpenFlow;

/// <summary><c>ofp_type</c>.</summary>
public enum OfpType : byte
{
    Hello = 0,
    Error = 1,
    EchoRequest = 2,
    EchoReply = 3,
    Experimenter = 4,
    FeaturesRequest = 5,
    FeaturesReply = 6,
    GetConfigRequest = 7,
    GetConfigReply = 8,
    SetConfig = 9,
    PacketIn = 10,
    FlowRemoved = 11,
    PortStatus = 12,
    PacketOut = 13,
    FlowMod = 14,
    GroupMod = 15,
    PortMod = 16,
    TableMod = 17,
    MultipartRequest = 18,
    MultipartReply = 19,
    BarrierRequest = 20,
    BarrierReply = 21,
    QueueGetConfigRequest = 22,
    QueueGetConfigReply = 23,
    RoleRequest = 24,
    RoleReply = 25,
    GetAsyncRequest = 26,
    GetAsyncReply = 27,
    SetAsync = 28,
    MeterMod = 29,
}

/// <summary>Port numbers, including the reserved ones of <c>ofp_port_no</c>.</summary>
public static class OfpPort
{
    /// <summary>Highest number of a physical or logical port.</summary>
    public const uint Max = 0xffff_ff00;
    public const uint InPort = 0xffff_fff8;
    public const uint Table = 0xffff_fff9;
    public const uint Normal = 0xffff_fffa;
    public const uint Flood = 0xffff_fffb;
    public const uint All = 0xffff_fffc;
    public const uint Controller = 0xffff_fffd;
    public const uint Local = 0xffff_fffe;
    public const uint Any = 0xffff_ffff;

    /// <summary>The name <c>ovs-ofctl</c> prints for a port number.</summary>
    public static string Name(uint port) => port switch
    {
        InPort => "IN_PORT",
        Table => "TABLE",
        Normal => "NORMAL",
        Flood => "FLOOD",
        All => "ALL",
        Controller => "CONTROLLER",
        Local => "LOCAL",
        Any => "ANY",
        _ => port.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Group numbers of <c>ofp_group</c>.</summary>
public static class OfpGroup
{
    public const uint Max = 0xffff_ff00;
    public const uint All = 0xffff_fffc;
    public const uint Any = 0xffff_ffff;
}

/// <summary>Table numbers of <c>ofp_table</c>.</summary>
public static class OfpTable
{
    public const byte Max = 0xfe;
    public const byte All = 0xff;
}

public static class OfpBuffer
{
    /// <summary><c>OFP_NO_BUFFER</c>: the packet is not buffered in the switch.</summary>
    public const uint NoBuffer = 0xffff_ffff;
}

/// <summary><c>ofp_controller_max_len</c>.</summary>
public static class OfpControllerMaxLen
{
    public const ushort Max = 0xffe5;
    /// <summary>Send the whole packet, do not buffer it.</summary>
    public const ushort NoBuffer = 0xffff;
}

/// <summary>Experimenter numbers of the extensions Open vSwitch uses.</summary>
public static class OfpExperimenterId
{
    /// <summary>Nicira (<c>NX_VENDOR_ID</c>): the Nicira actions and NXM fields.</summary>
    public const uint Nicira = 0x0000_2320;

    /// <summary>The ONF (<c>ONF_VENDOR_ID</c>, "ONF\0"): OpenFlow 1.3 extension fields such as <c>tcp_flags</c>.</summary>
    public const uint Onf = 0x4f4e_4600;
}

[Flags]
public enum OfpCapabilities : uint
{
    None = 0,
    FlowStats = 1 << 0,
    TableStats = 1 << 1,
    PortStats = 1 << 2,
    GroupStats = 1 << 3,
    IpReasm = 1 << 5,
    QueueStats = 1 << 6,
    PortBlocked = 1 << 8,
}

[Flags]
public enum OfpConfigFlags : ushort
{
    FragNormal = 0,
    FragDrop = 1,
    FragReasm = 2,
}

[Flags]
public enum OfpPortConfig : uint
{
    None = 0,
    PortDown = 1 << 0,
    NoRecv = 1 << 2,
    NoFwd = 1 << 5,
    NoPacketIn = 1 << 6,
}

[Flags]
public enum OfpPortState : uint
{
    None = 0,
    LinkDown = 1 << 0,
    Blocked = 1 << 1,
    Live = 1 << 2,
}

[Flags]
public enum OfpPortFeatures : uint
{
    None = 0,
    Rate10MbHd = 1 << 0,
    Rate10MbFd = 1 << 1,
    Rate100MbHd = 1 << 2,
    Rate100MbFd = 1 << 3,
    Rate1GbHd = 1 << 4,
    Rate1GbFd = 1 << 5,
    Rate10GbFd = 1 << 6,
    Rate40GbFd = 1 << 7,
    Rate100GbFd = 1 << 8,
    Rate1TbFd = 1 << 9,
    Other = 1 << 10,
    Copper = 1 << 11,
    Fiber = 1 << 12,
    Autoneg = 1 << 13,
    Pause = 1 << 14,
    PauseAsym = 1 << 15,
}

public enum OfpPortReason : byte { Add = 0, Delete = 1, Modify = 2 }

public enum OfpPacketInReason : byte { NoMatch = 0, Action = 1, InvalidTtl = 2 }

public enum OfpFlowRemovedReason : byte { IdleTimeout = 0, HardTimeout = 1, Delete = 2, GroupDelete = 3 }

public enum OfpFlowModCommand : byte { Add = 0, Modify = 1, ModifyStrict = 2, Delete = 3, DeleteStrict = 4 }

[Flags]
public enum OfpFlowModFlags : ushort
{
    None = 0,
    SendFlowRem = 1 << 0,
    CheckOverlap = 1 << 1,
    ResetCounts = 1 << 2,
    NoPktCounts = 1 << 3,
    NoBytCounts = 1 << 4,
}

public enum OfpGroupModCommand : ushort { Add = 0, Modify = 1, Delete = 2 }

public enum OfpGroupType : byte { All = 0, Select = 1, Indirect = 2, FastFailover = 3 }

public enum OfpMeterModCommand : ushort { Add = 0, Modify = 1, Delete = 2 }

[Flags]
public enum OfpMeterFlags : ushort
{
    None = 0,
    /// <summary>Rates in kilobits per second (the default when neither unit is given).</summary>
    Kbps = 1 << 0,
    /// <summary>Rates in packets per second.</summary>
    Pktps = 1 << 1,
    /// <summary>Use the bands' burst sizes.</summary>
    Burst = 1 << 2,
    /// <summary>Keep statistics.</summary>
    Stats = 1 << 3,
}

public enum OfpMeterBandType : ushort { Drop = 1, DscpRemark = 2, Experimenter = 0xffff }

/// <summary>Meter numbers of <c>ofp_meter</c>.</summary>
public static class OfpMeter
{
    /// <summary>Highest number of a meter a controller can make.</summary>
    public const uint Max = 0xffff_0000;
    /// <summary>The meter of packets sent to the controller by the switch's slow path.</summary>
    public const uint SlowPath = 0xffff_fffd;
    /// <summary>The meter of every packet sent to the controller.</summary>
    public const uint Controller = 0xffff_fffe;
    /// <summary>Every meter, in requests and deletes.</summary>
    public const uint All = 0xffff_ffff;

    /// <summary>The name <c>ovs-ofctl</c> prints for a meter number.</summary>
    public static string Name(uint meter) => meter switch
    {
        <= Max => meter.ToString(System.Globalization.CultureInfo.InvariantCulture),
        SlowPath => "slowpath",
        Controller => "controller",
        All => "all",
        _ => "unknown",
    };
}

public enum OfpControllerRole : uint { NoChange = 0, Equal = 1, Master = 2, Slave = 3 }

public enum OfpMultipartType : ushort
{
    Desc = 0,
    Flow = 1,
    Aggregate = 2,
    Table = 3,
    PortStats = 4,
    Queue = 5,
    Group = 6,
    GroupDesc = 7,
    GroupFeatures = 8,
    Meter = 9,
    MeterConfig = 10,
    MeterFeatures = 11,
    TableFeatures = 12,
    PortDesc = 13,
    Experimenter = 0xffff,
}

[Flags]
public enum OfpMultipartFlags : ushort
{
    None = 0,
    /// <summary><c>OFPMPF_REQ_MORE</c> / <c>OFPMPF_REPLY_MORE</c>: more messages of this request or reply follow.</summary>
    More = 1,
}

[Flags]
public enum OfpTableConfig : uint { None = 0, DeprecatedMask = 3 }
