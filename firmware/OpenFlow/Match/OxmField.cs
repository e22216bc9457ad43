using System.Globalization;
using System.Net;
using System.Text;

namespace Appliance.OpenFlow;

/// <summary>
/// One OXM TLV: a field, its value and optionally a mask, held inline (every field is at most
/// 16 bytes wide), so reading a match allocates nothing.
/// </summary>
/// <remarks>
/// Values are normalised on construction as Open vSwitch does: an all-ones mask is no mask, and
/// value bits outside the mask are cleared. Two fields that match the same packets are therefore equal.
/// </remarks>
public readonly record struct OxmField
{
    public OxmField(OxmFieldId id, UInt128 value)
        : this(id, value, null)
    {
    }

    public OxmField(OxmFieldId id, UInt128 value, UInt128? mask)
    {
        var info = id.Info;
        var all = AllOnes(info.Size);
        if (value > LowBits(info.ValueBits)) throw new ArgumentOutOfRangeException(nameof(value), $"{info.Name} is {info.ValueBits} bits wide");
        if (mask is { } m && m != all)
        {
            if (!info.Maskable) throw new ArgumentException($"{info.Name} cannot be masked", nameof(mask));
            Mask = m & all;
            HasMask = true;
            Value = value & Mask;
        }
        else
        {
            Mask = all;
            Value = value;
        }
        Id = id;
    }

    private OxmField(OxmFieldId id, UInt128 value, UInt128 mask, bool hasMask)
    {
        Id = id;
        Value = value;
        Mask = mask;
        HasMask = hasMask;
    }

    public OxmFieldId Id { get; }

    public UInt128 Value { get; }

    /// <summary>The mask; all ones for an exact match.</summary>
    public UInt128 Mask { get; }

    public bool HasMask { get; }

    public int Size => Id.Info.Size;

    /// <summary>Bytes on the wire, header included.</summary>
    public int EncodedLength => Id.HeaderLength + Size * (HasMask ? 2 : 1);

    public uint AsUInt32 => (uint)Value;

    public MacAddress AsMac => new((ulong)Value);

    public static OxmField InPort(uint port) => new(OxmFieldId.InPort, port);
    public static OxmField Metadata(ulong value, ulong? mask = null) => new(OxmFieldId.Metadata, value, mask);
    public static OxmField EthDst(MacAddress mac, MacAddress? mask = null) => new(OxmFieldId.EthDst, mac.Value, mask?.Value);
    public static OxmField EthSrc(MacAddress mac, MacAddress? mask = null) => new(OxmFieldId.EthSrc, mac.Value, mask?.Value);
    public static OxmField EthType(ushort type) => new(OxmFieldId.EthType, type);
    /// <summary>VLAN id with <c>OFPVID_PRESENT</c> (0x1000) set by the caller when a tag is required.</summary>
    public static OxmField VlanVid(ushort vid, ushort? mask = null) => new(OxmFieldId.VlanVid, vid, mask);
    public static OxmField IpProto(byte protocol) => new(OxmFieldId.IpProto, protocol);
    public static OxmField Ipv4Src(IPAddress address, int prefixLength = 32) => Ipv4Field(OxmFieldId.Ipv4Src, address, prefixLength);
    public static OxmField Ipv4Dst(IPAddress address, int prefixLength = 32) => Ipv4Field(OxmFieldId.Ipv4Dst, address, prefixLength);
    public static OxmField TcpSrc(ushort port) => new(OxmFieldId.TcpSrc, port);
    public static OxmField TcpDst(ushort port) => new(OxmFieldId.TcpDst, port);
    public static OxmField UdpSrc(ushort port) => new(OxmFieldId.UdpSrc, port);
    public static OxmField UdpDst(ushort port) => new(OxmFieldId.UdpDst, port);
    public static OxmField Icmpv4Type(byte type) => new(OxmFieldId.Icmpv4Type, type);
    public static OxmField Icmpv4Code(byte code) => new(OxmFieldId.Icmpv4Code, code);
    public static OxmField ArpOp(ushort op) => new(OxmFieldId.ArpOp, op);
    public static OxmField ArpSpa(IPAddress address, int prefixLength = 32) => Ipv4Field(OxmFieldId.ArpSpa, address, prefixLength);
    public static OxmField ArpTpa(IPAddress address, int prefixLength = 32) => Ipv4Field(OxmFieldId.ArpTpa, address, prefixLength);
    public static OxmField ArpSha(MacAddress mac, MacAddress? mask = null) => new(OxmFieldId.ArpSha, mac.Value, mask?.Value);
    public static OxmField ArpTha(MacAddress mac, MacAddress? mask = null) => new(OxmFieldId.ArpTha, mac.Value, mask?.Value);
    public static OxmField CtState(uint state, uint? mask = null) => new(OxmFieldId.NxCtState, state, mask);
    public static OxmField CtZone(ushort zone) => new(OxmFieldId.NxCtZone, zone);
    /// <summary>The 32-bit mark of the packet's connection: matched after <c>ct</c>, set by <c>ct(commit, exec(set_field))</c>.</summary>
    public static OxmField CtMark(uint mark, uint? mask = null) => new(OxmFieldId.NxCtMark, mark, mask);
    /// <summary>The 128-bit label of the packet's connection: matched after <c>ct</c>, set by <c>ct(commit, exec(set_field))</c>.</summary>
    public static OxmField CtLabel(UInt128 label, UInt128? mask = null) => new(OxmFieldId.NxCtLabel, label, mask);
    /// <summary>The IP protocol of the connection's original direction; needs a <c>ct_state</c> bit that implies a connection.</summary>
    public static OxmField CtNwProto(byte protocol) => new(OxmFieldId.NxCtNwProto, protocol);
    /// <summary>The destination port of the connection's original direction; needs a <c>ct_state</c> bit that implies a connection.</summary>
    public static OxmField CtTpDst(ushort port, ushort? mask = null) => new(OxmFieldId.NxCtTpDst, port, mask);
    /// <summary>The 12 TCP flag bits (FIN 0x001, SYN 0x002, RST 0x004, ACK 0x010, …); with a mask, <c>tcp_flags=+rst</c> is (0x004, 0x004).</summary>
    public static OxmField TcpFlags(ushort flags, ushort? mask = null) => new(OxmFieldId.TcpFlags, flags, mask);
    public static OxmField Register(int index, uint value, uint? mask = null) => new(OxmFieldId.NxReg(index), value, mask);

    private static OxmField Ipv4Field(OxmFieldId id, IPAddress address, int prefixLength) =>
        new(id, Ipv4.ToUInt32(address), Ipv4.Mask(prefixLength));

    /// <summary>
    /// Reads one TLV. Unknown fields, impossible lengths, masks on unmaskable fields and values
    /// with bits outside their mask are rejected with the BAD_MATCH code the switch would use.
    /// </summary>
    public static OxmField Read(ref OfpReader r)
    {
        var header = r.ReadUInt32();
        var oxmClass = (OxmClass)(header >> 16);
        var experimenter = oxmClass == OxmClass.Experimenter ? r.ReadUInt32() : 0;
        if (!r.Ok) return default;
        var id = new OxmFieldId(oxmClass, (byte)((header >> 9) & 0x7f), experimenter);
        var hasMask = (header & 0x100) != 0;
        // An experimenter field's oxm_length counts its experimenter id.
        var length = (int)(header & 0xff) - (id.IsExperimenter ? 4 : 0);
        if (length < 0)
        {
            r.Fail(OfpErrorCode.Of(OfpBadMatchCode.BadLen), "oxm_length");
            return default;
        }
        if (!id.TryGetInfo(out var info))
        {
            r.Fail(OfpErrorCode.Of(OfpBadMatchCode.BadField), "oxm_field");
            return default;
        }
        if (length != info.Size * (hasMask ? 2 : 1))
        {
            r.Fail(OfpErrorCode.Of(OfpBadMatchCode.BadLen), "oxm_length");
            return default;
        }
        if (hasMask && !info.Maskable)
        {
            r.Fail(OfpErrorCode.Of(OfpBadMatchCode.BadMask), "oxm_hasmask");
            return default;
        }
        var value = ReadValue(r.ReadSpan(info.Size));
        var all = AllOnes(info.Size);
        var mask = hasMask ? ReadValue(r.ReadSpan(info.Size)) : all;
        if ((value & ~mask) != 0)
        {
            r.Fail(OfpErrorCode.Of(OfpBadMatchCode.BadWildcards), "oxm_value");
            return default;
        }
        if (value > LowBits(info.ValueBits))
        {
            r.Fail(OfpErrorCode.Of(OfpBadMatchCode.BadValue), "oxm_value");
            return default;
        }
        // A mask of all ones matches like no mask: keep one form so equal matches compare equal.
        return mask == all ? new OxmField(id, value, all, false) : new OxmField(id, value, mask, true);
    }

    public void Write(ref OfpWriter w)
    {
        Id.WriteHeader(ref w, HasMask);
        WriteValue(Value, w.Reserve(Size));
        if (HasMask) WriteValue(Mask, w.Reserve(Size));
    }

    /// <summary>Writes the value only (as SET_FIELD and Nicira loads carry it).</summary>
    public void WriteValue(Span<byte> destination) => WriteValue(Value, destination[..Size]);

    internal static UInt128 ReadValue(ReadOnlySpan<byte> bytes)
    {
        UInt128 value = 0;
        foreach (var b in bytes) value = (value << 8) | b;
        return value;
    }

    internal static void WriteValue(UInt128 value, Span<byte> destination)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)value;
            value >>= 8;
        }
    }

    internal static UInt128 AllOnes(int size) => LowBits(size * 8);

    private static UInt128 LowBits(int bits) => bits >= 128 ? UInt128.MaxValue : (UInt128.One << bits) - 1;

    private static byte[] ToBigEndian16(UInt128 value)
    {
        var bytes = new byte[16];
        WriteValue(value, bytes);
        return bytes;
    }

    /// <summary>As <c>ovs-ofctl</c> writes it: <c>ipv4_dst=10.0.0.0/255.255.255.0</c>.</summary>
    public override string ToString()
    {
        var info = Id.TryGetInfo(out var i) ? i : new OxmFieldInfo(Id.ToString(), 16, true);
        if (info.Format == OxmFormat.TcpFlags) return $"{info.Name}={TcpFlagsText((uint)Value, (uint)Mask)}";
        var text = $"{info.Name}={Format(info, Value)}";
        return HasMask ? $"{text}/{Format(info, Mask)}" : text;
    }

    private string Format(OxmFieldInfo info, UInt128 value) => info.Format switch
    {
        OxmFormat.Mac => new MacAddress((ulong)value).ToString(),
        OxmFormat.Ipv4 => Ipv4.ToAddress((uint)value).ToString(),
        OxmFormat.Ipv6 => new IPAddress(ToBigEndian16(value)).ToString(),
        OxmFormat.Hex => "0x" + value.ToString("x", CultureInfo.InvariantCulture),
        OxmFormat.Port => OfpPort.Name((uint)value),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    private static readonly string[] TcpFlagNames = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "[200]", "[400]", "[800]"];

    /// <summary>
    /// As <c>ovs-ofctl</c> (<c>format_flags_masked</c>): the set flags joined by '|' when all 12 bits
    /// are matched, otherwise each matched bit as +name or -name (<c>+rst</c>, <c>+syn-ack</c>).
    /// </summary>
    private static string TcpFlagsText(uint value, uint mask)
    {
        mask &= 0xfff;
        if (mask == 0) return "0/0";
        var text = new StringBuilder();
        for (var bit = 0; bit < TcpFlagNames.Length; bit++)
        {
            var flag = 1u << bit;
            if (mask == 0xfff)
            {
                if ((value & flag) != 0) text.Append(text.Length > 0 ? "|" : "").Append(TcpFlagNames[bit]);
            }
            else if ((mask & flag) != 0)
            {
                text.Append((value & flag) != 0 ? '+' : '-').Append(TcpFlagNames[bit]);
            }
        }
        return text.Length > 0 ? text.ToString() : "0";
    }
}
