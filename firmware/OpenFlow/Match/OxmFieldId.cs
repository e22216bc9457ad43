namespace Appliance.OpenFlow;

/// <summary>OXM classes the codec knows (<c>ofp_oxm_class</c> plus the Nicira NXM classes OVS uses in OF1.3).</summary>
public enum OxmClass : ushort
{
    Nxm0 = 0x0000,
    Nxm1 = 0x0001,
    OpenFlowBasic = 0x8000,
    Experimenter = 0xffff,
}

/// <summary>What the codec knows about a field: its name, width and whether it may carry a mask.</summary>
/// <param name="Bits">How many low bits of the value may be set; 0 for all of <paramref name="Size"/> bytes.</param>
public readonly record struct OxmFieldInfo(string Name, byte Size, bool Maskable, OxmFormat Format = OxmFormat.Decimal, byte Bits = 0)
{
    /// <summary>The width of a valid value in bits: <c>tcp_flags</c> travels in 16 bits but has 12.</summary>
    public int ValueBits => Bits == 0 ? Size * 8 : Bits;
}

/// <summary>How a field's value is written for people (as <c>ovs-ofctl</c> does).</summary>
public enum OxmFormat { Decimal, Hex, Mac, Ipv4, Ipv6, Port, TcpFlags }

/// <summary>
/// Names an OXM field: its class and field number, and for the experimenter class the experimenter
/// whose field it is. The wire header adds the has-mask bit and a length, both derived from the
/// field's known width, so they are never stored.
/// </summary>
/// <param name="Experimenter">
/// For <see cref="OxmClass.Experimenter"/>, the experimenter id that follows the 32-bit header on
/// the wire (an experimenter OXM has a 64-bit header); zero for every other class.
/// </param>
public readonly record struct OxmFieldId(OxmClass Class, byte Field, uint Experimenter = 0)
{
    // OpenFlow 1.3.5 §7.2.3.7, oxm_ofb_match_fields.
    public static readonly OxmFieldId InPort = Basic(0);
    public static readonly OxmFieldId InPhyPort = Basic(1);
    public static readonly OxmFieldId Metadata = Basic(2);
    public static readonly OxmFieldId EthDst = Basic(3);
    public static readonly OxmFieldId EthSrc = Basic(4);
    public static readonly OxmFieldId EthType = Basic(5);
    public static readonly OxmFieldId VlanVid = Basic(6);
    public static readonly OxmFieldId VlanPcp = Basic(7);
    public static readonly OxmFieldId IpDscp = Basic(8);
    public static readonly OxmFieldId IpEcn = Basic(9);
    public static readonly OxmFieldId IpProto = Basic(10);
    public static readonly OxmFieldId Ipv4Src = Basic(11);
    public static readonly OxmFieldId Ipv4Dst = Basic(12);
    public static readonly OxmFieldId TcpSrc = Basic(13);
    public static readonly OxmFieldId TcpDst = Basic(14);
    public static readonly OxmFieldId UdpSrc = Basic(15);
    public static readonly OxmFieldId UdpDst = Basic(16);
    public static readonly OxmFieldId SctpSrc = Basic(17);
    public static readonly OxmFieldId SctpDst = Basic(18);
    public static readonly OxmFieldId Icmpv4Type = Basic(19);
    public static readonly OxmFieldId Icmpv4Code = Basic(20);
    public static readonly OxmFieldId ArpOp = Basic(21);
    public static readonly OxmFieldId ArpSpa = Basic(22);
    public static readonly OxmFieldId ArpTpa = Basic(23);
    public static readonly OxmFieldId ArpSha = Basic(24);
    public static readonly OxmFieldId ArpTha = Basic(25);
    public static readonly OxmFieldId Ipv6Src = Basic(26);
    public static readonly OxmFieldId Ipv6Dst = Basic(27);
    public static readonly OxmFieldId Ipv6Flabel = Basic(28);
    public static readonly OxmFieldId Icmpv6Type = Basic(29);
    public static readonly OxmFieldId Icmpv6Code = Basic(30);
    public static readonly OxmFieldId Ipv6NdTarget = Basic(31);
    public static readonly OxmFieldId Ipv6NdSll = Basic(32);
    public static readonly OxmFieldId Ipv6NdTll = Basic(33);
    public static readonly OxmFieldId MplsLabel = Basic(34);
    public static readonly OxmFieldId MplsTc = Basic(35);
    public static readonly OxmFieldId MplsBos = Basic(36);
    public static readonly OxmFieldId PbbIsid = Basic(37);
    public static readonly OxmFieldId TunnelId = Basic(38);
    public static readonly OxmFieldId Ipv6Exthdr = Basic(39);

    // Nicira fields that OVS puts in OF1.3 matches and that our pipeline uses (meta-flow.xml).
    public static readonly OxmFieldId NxCtState = new(OxmClass.Nxm1, 105);
    public static readonly OxmFieldId NxCtZone = new(OxmClass.Nxm1, 106);
    public static readonly OxmFieldId NxCtMark = new(OxmClass.Nxm1, 107);
    public static readonly OxmFieldId NxCtLabel = new(OxmClass.Nxm1, 108);
    public static readonly OxmFieldId NxCtNwProto = new(OxmClass.Nxm1, 119);
    public static readonly OxmFieldId NxCtTpSrc = new(OxmClass.Nxm1, 124);
    public static readonly OxmFieldId NxCtTpDst = new(OxmClass.Nxm1, 125);

    /// <summary>
    /// <c>tcp_flags</c>: OpenFlow 1.3 has no such field, and Open vSwitch speaks it there as the ONF
    /// experimenter field <c>ONFOXM_ET_TCP_FLAGS</c> (<c>meta-flow.h</c>), in matches it is given and
    /// in the flows it reports.
    /// </summary>
    public static readonly OxmFieldId TcpFlags = new(OxmClass.Experimenter, 42, OfpExperimenterId.Onf);

    public static OxmFieldId NxReg(int index) =>
        index is >= 0 and < 16 ? new(OxmClass.Nxm1, (byte)index) : throw new ArgumentOutOfRangeException(nameof(index));

    private static OxmFieldId Basic(byte field) => new(OxmClass.OpenFlowBasic, field);

    /// <summary>Width, name and maskability; false for a field the codec does not know.</summary>
    public bool TryGetInfo(out OxmFieldInfo info)
    {
        info = Class switch
        {
            OxmClass.OpenFlowBasic => BasicInfo(Field),
            OxmClass.Nxm0 => Nxm0Info(Field),
            OxmClass.Nxm1 => Nxm1Info(Field),
            OxmClass.Experimenter => ExperimenterInfo(Experimenter, Field),
            _ => default,
        };
        return info.Name is not null;
    }

    public OxmFieldInfo Info => TryGetInfo(out var info) ? info : throw new InvalidOperationException($"unknown OXM field {this}");

    public bool IsExperimenter => Class == OxmClass.Experimenter;

    /// <summary>Bytes of the header on the wire: 8 for an experimenter field, whose experimenter id follows.</summary>
    public int HeaderLength => IsExperimenter ? 8 : 4;

    /// <summary>
    /// The first 32 bits of the header (<c>OXM_HEADER</c> / <c>OXM_HEADER_W</c>), all of it except for
    /// an experimenter field, whose <c>oxm_length</c> counts its 4-byte experimenter id too.
    /// </summary>
    public uint Header(bool hasMask)
    {
        var length = Info.Size * (hasMask ? 2 : 1) + (IsExperimenter ? 4 : 0);
        return ((uint)Class << 16) | ((uint)Field << 9) | (hasMask ? 1u << 8 : 0) | (uint)length;
    }

    /// <summary>Writes the whole header: <see cref="Header"/>, and the experimenter id of an experimenter field.</summary>
    public void WriteHeader(ref OfpWriter w, bool hasMask)
    {
        w.WriteUInt32(Header(hasMask));
        if (IsExperimenter) w.WriteUInt32(Experimenter);
    }

    public override string ToString() => TryGetInfo(out var info) ? info.Name
        : IsExperimenter ? $"oxm({(ushort)Class:x4}:{Experimenter:x8}:{Field})" : $"oxm({(ushort)Class:x4}:{Field})";

    private static OxmFieldInfo BasicInfo(byte field) => field switch
    {
        0 => new("in_port", 4, false, OxmFormat.Port),
        1 => new("in_phy_port", 4, false, OxmFormat.Port),
        2 => new("metadata", 8, true, OxmFormat.Hex),
        3 => new("eth_dst", 6, true, OxmFormat.Mac),
        4 => new("eth_src", 6, true, OxmFormat.Mac),
        5 => new("eth_type", 2, false, OxmFormat.Hex),
        6 => new("vlan_vid", 2, true),
        7 => new("vlan_pcp", 1, false),
        8 => new("ip_dscp", 1, false),
        9 => new("ip_ecn", 1, false),
        10 => new("ip_proto", 1, false),
        11 => new("ipv4_src", 4, true, OxmFormat.Ipv4),
        12 => new("ipv4_dst", 4, true, OxmFormat.Ipv4),
        13 => new("tcp_src", 2, false),
        14 => new("tcp_dst", 2, false),
        15 => new("udp_src", 2, false),
        16 => new("udp_dst", 2, false),
        17 => new("sctp_src", 2, false),
        18 => new("sctp_dst", 2, false),
        19 => new("icmpv4_type", 1, false),
        20 => new("icmpv4_code", 1, false),
        21 => new("arp_op", 2, false),
        22 => new("arp_spa", 4, true, OxmFormat.Ipv4),
        23 => new("arp_tpa", 4, true, OxmFormat.Ipv4),
        24 => new("arp_sha", 6, true, OxmFormat.Mac),
        25 => new("arp_tha", 6, true, OxmFormat.Mac),
        26 => new("ipv6_src", 16, true, OxmFormat.Ipv6),
        27 => new("ipv6_dst", 16, true, OxmFormat.Ipv6),
        28 => new("ipv6_flabel", 4, true),
        29 => new("icmpv6_type", 1, false),
        30 => new("icmpv6_code", 1, false),
        31 => new("ipv6_nd_target", 16, false, OxmFormat.Ipv6),
        32 => new("ipv6_nd_sll", 6, false, OxmFormat.Mac),
        33 => new("ipv6_nd_tll", 6, false, OxmFormat.Mac),
        34 => new("mpls_label", 4, false),
        35 => new("mpls_tc", 1, false),
        36 => new("mpls_bos", 1, false),
        37 => new("pbb_isid", 3, true),
        38 => new("tunnel_id", 8, true, OxmFormat.Hex),
        39 => new("ipv6_exthdr", 2, true),
        _ => default,
    };

    // The NXM_OF_* fields: OVS accepts them in Nicira actions' field references.
    private static OxmFieldInfo Nxm0Info(byte field) => field switch
    {
        0 => new("NXM_OF_IN_PORT", 2, false),
        1 => new("NXM_OF_ETH_DST", 6, true, OxmFormat.Mac),
        2 => new("NXM_OF_ETH_SRC", 6, true, OxmFormat.Mac),
        3 => new("NXM_OF_ETH_TYPE", 2, false, OxmFormat.Hex),
        4 => new("NXM_OF_VLAN_TCI", 2, true, OxmFormat.Hex),
        5 => new("NXM_OF_IP_TOS", 1, false),
        6 => new("NXM_OF_IP_PROTO", 1, false),
        7 => new("NXM_OF_IP_SRC", 4, true, OxmFormat.Ipv4),
        8 => new("NXM_OF_IP_DST", 4, true, OxmFormat.Ipv4),
        9 => new("NXM_OF_TCP_SRC", 2, true),
        10 => new("NXM_OF_TCP_DST", 2, true),
        11 => new("NXM_OF_UDP_SRC", 2, true),
        12 => new("NXM_OF_UDP_DST", 2, true),
        13 => new("NXM_OF_ICMP_TYPE", 1, false),
        14 => new("NXM_OF_ICMP_CODE", 1, false),
        15 => new("NXM_OF_ARP_OP", 2, false),
        16 => new("NXM_OF_ARP_SPA", 4, true, OxmFormat.Ipv4),
        17 => new("NXM_OF_ARP_TPA", 4, true, OxmFormat.Ipv4),
        _ => default,
    };

    private static OxmFieldInfo Nxm1Info(byte field) => field switch
    {
        < 16 => new(RegisterNames[field], 4, true, OxmFormat.Hex),
        16 => new("tun_id", 8, true, OxmFormat.Hex),
        17 => new("NXM_NX_ARP_SHA", 6, true, OxmFormat.Mac),
        18 => new("NXM_NX_ARP_THA", 6, true, OxmFormat.Mac),
        33 => new("pkt_mark", 4, true, OxmFormat.Hex),
        105 => new("ct_state", 4, true, OxmFormat.Hex),
        106 => new("ct_zone", 2, false),
        107 => new("ct_mark", 4, true, OxmFormat.Hex),
        108 => new("ct_label", 16, true, OxmFormat.Hex),
        119 => new("ct_nw_proto", 1, false),
        120 => new("ct_nw_src", 4, true, OxmFormat.Ipv4),
        121 => new("ct_nw_dst", 4, true, OxmFormat.Ipv4),
        122 => new("ct_ipv6_src", 16, true, OxmFormat.Ipv6),
        123 => new("ct_ipv6_dst", 16, true, OxmFormat.Ipv6),
        124 => new("ct_tp_src", 2, true),
        125 => new("ct_tp_dst", 2, true),
        _ => default,
    };

    // The experimenter fields Open vSwitch uses in OpenFlow 1.3 matches (meta-flow.h, "OXM: ONFOXM_ET_*").
    private static OxmFieldInfo ExperimenterInfo(uint experimenter, byte field) => (experimenter, field) switch
    {
        (OfpExperimenterId.Onf, 42) => new("tcp_flags", 2, true, OxmFormat.TcpFlags, Bits: 12),
        _ => default,
    };

    private static readonly string[] RegisterNames =
        ["reg0", "reg1", "reg2", "reg3", "reg4", "reg5", "reg6", "reg7", "reg8", "reg9", "reg10", "reg11", "reg12", "reg13", "reg14", "reg15"];
}

/// <summary>
/// NXM field references as Open vSwitch writes them inside Nicira actions in OpenFlow 1.3
/// (<c>move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]</c>); using the same headers OVS writes back keeps
/// installed and read-back actions byte-identical.
/// </summary>
public static class NxmField
{
    public static readonly OxmFieldId EthDst = new(OxmClass.Nxm0, 1);
    public static readonly OxmFieldId EthSrc = new(OxmClass.Nxm0, 2);
    public static readonly OxmFieldId ArpOp = new(OxmClass.Nxm0, 15);
    public static readonly OxmFieldId ArpSpa = new(OxmClass.Nxm0, 16);
    public static readonly OxmFieldId ArpTpa = new(OxmClass.Nxm0, 17);
    public static readonly OxmFieldId ArpSha = new(OxmClass.Nxm1, 17);
    public static readonly OxmFieldId ArpTha = new(OxmClass.Nxm1, 18);
}
