using System.Globalization;
using System.Net;
using System.Text;

namespace Appliance.OpenFlow;

/// <summary>Nicira experimenter action subtypes (<c>nx_action_subtype</c>) the codec knows.</summary>
public enum NxActionSubtype : ushort
{
    RegMove = 6,
    ResubmitTable = 14,
    Learn = 16,
    Controller = 20,
    Conntrack = 35,
    Nat = 36,
    Controller2 = 37,
}

/// <summary>
/// The Nicira experimenter actions Open vSwitch accepts in OpenFlow 1.3 (<c>ofp-actions.c</c>).
/// Header: <c>type=0xffff, len, experimenter=0x00002320, subtype</c>.
/// </summary>
public abstract record NiciraAction : OfpAction
{
    /// <summary>The <c>nx_action_subtype</c> the action travels under.</summary>
    public abstract NxActionSubtype Subtype { get; }

    private protected void WriteNxHeader(ref OfpWriter w, int length)
    {
        WriteHeader(ref w, OfpActionType.Experimenter, length);
        w.WriteUInt32(OfpExperimenterId.Nicira);
        w.WriteUInt16((ushort)Subtype);
    }

    internal static OfpAction? ReadExperimenter(ref OfpReader r, bool materialize)
    {
        var experimenter = r.ReadUInt32();
        if (!r.Ok) return null;
        if (experimenter != OfpExperimenterId.Nicira)
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadExperimenter), "ofp_action_experimenter.experimenter");
            return null;
        }
        var subtype = (NxActionSubtype)r.ReadUInt16();
        return subtype switch
        {
            NxActionSubtype.RegMove => NxRegMoveAction.ReadBody(ref r, materialize),
            NxActionSubtype.Conntrack => NxConntrackAction.ReadBody(ref r, materialize),
            NxActionSubtype.Nat => NxNatAction.ReadBody(ref r, materialize),
            NxActionSubtype.Controller => NxControllerAction.ReadBody(ref r, materialize),
            NxActionSubtype.Controller2 => NxControllerAction.ReadBody2(ref r, materialize),
            NxActionSubtype.ResubmitTable => NxResubmitAction.ReadBody(ref r, materialize),
            NxActionSubtype.Learn => NxLearnAction.ReadBody(ref r, materialize),
            _ => FailSubtype(ref r),
        };
    }

    private static OfpAction? FailSubtype(ref OfpReader r)
    {
        r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadExpType), "nx_action_header.subtype");
        return null;
    }

    private protected static OxmFieldId ReadFieldHeader(ref OfpReader r, string what)
    {
        var header = r.ReadUInt32();
        var id = new OxmFieldId((OxmClass)(header >> 16), (byte)((header >> 9) & 0x7f));
        if (r.Ok && (!id.TryGetInfo(out var info) || (header & 0xff) != info.Size * ((header & 0x100) != 0 ? 2 : 1)))
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), what);
        }
        return id;
    }
}

/// <summary>
/// <c>NXAST_REG_MOVE</c> (<c>move:SRC[a..b]->DST[c..d]</c>): copies bits between fields, which is
/// what lets the switch answer ARP by itself. Field references use the NXM headers OVS itself writes
/// back in OpenFlow 1.3, so what we install and what we read back are byte-identical.
/// </summary>
public sealed record NxRegMoveAction(OxmFieldId Source, OxmFieldId Destination, int NBits, int SourceOffset = 0, int DestinationOffset = 0)
    : NiciraAction
{
    // NXAST_REG_MOVE as written here carries 32-bit field headers; an experimenter field has a 64-bit one.
    public OxmFieldId Source { get; } = Source.IsExperimenter ? throw new ArgumentException("move takes no experimenter field", nameof(Source)) : Source;

    public OxmFieldId Destination { get; } = Destination.IsExperimenter ? throw new ArgumentException("move takes no experimenter field", nameof(Destination)) : Destination;

    public override NxActionSubtype Subtype => NxActionSubtype.RegMove;

    /// <summary>Moves a whole field into another of the same width.</summary>
    public static NxRegMoveAction Whole(OxmFieldId source, OxmFieldId destination)
    {
        var bits = source.Info.Size * 8;
        if (destination.Info.Size * 8 != bits) throw new ArgumentException($"{source} and {destination} differ in width");
        return new NxRegMoveAction(source, destination, bits);
    }

    public override int EncodedLength => 24;

    public override void Write(ref OfpWriter w)
    {
        WriteNxHeader(ref w, 24);
        w.WriteUInt16((ushort)NBits);
        w.WriteUInt16((ushort)SourceOffset);
        w.WriteUInt16((ushort)DestinationOffset);
        w.WriteUInt32(Source.Header(false));
        w.WriteUInt32(Destination.Header(false));
    }

    internal static NxRegMoveAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var nBits = r.ReadUInt16();
        var srcOfs = r.ReadUInt16();
        var dstOfs = r.ReadUInt16();
        var src = ReadFieldHeader(ref r, "nx_action_reg_move.src");
        var dst = ReadFieldHeader(ref r, "nx_action_reg_move.dst");
        r.Skip(r.Remaining);
        if (r.Ok && (nBits == 0 || srcOfs + nBits > src.Info.Size * 8 || dstOfs + nBits > dst.Info.Size * 8))
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_reg_move.n_bits");
        }
        return r.Ok && materialize ? new NxRegMoveAction(src, dst, nBits, srcOfs, dstOfs) : null;
    }

    public override string ToString() =>
        $"move:{Source}{Range(Source, SourceOffset)}->{Destination}{Range(Destination, DestinationOffset)}";

    private string Range(OxmFieldId field, int offset) =>
        offset == 0 && NBits == field.Info.Size * 8 ? "[]" : $"[{offset}..{offset + NBits - 1}]";
}

[Flags]
public enum NxConntrackFlags : ushort
{
    None = 0,
    Commit = 1 << 0,
    Force = 1 << 1,
}

/// <summary>
/// <c>NXAST_CT</c>: sends the packet through the connection tracker, optionally committing the
/// connection, applying NAT (the nested actions) and continuing in <see cref="RecircTable"/>.
/// </summary>
public sealed record NxConntrackAction(NxConntrackFlags Flags, ushort Zone, byte RecircTable = NxConntrackAction.NoRecirc, ActionList Actions = default)
    : NiciraAction
{
    public override NxActionSubtype Subtype => NxActionSubtype.Conntrack;

    /// <summary><c>NX_CT_RECIRC_NONE</c>: do not continue processing in another table.</summary>
    public const byte NoRecirc = 0xff;

    private const int FixedLength = 24;

    public override int EncodedLength => FixedLength + Actions.EncodedLength;

    public override void Write(ref OfpWriter w)
    {
        WriteNxHeader(ref w, EncodedLength);
        w.WriteUInt16((ushort)Flags);
        w.WriteUInt32(0); // zone_src: the zone is an immediate value
        w.WriteUInt16(Zone);
        w.WriteByte(RecircTable);
        w.WriteZeros(3);
        w.WriteUInt16(0); // alg: none
        Actions.Write(ref w);
    }

    internal static NxConntrackAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var flags = (NxConntrackFlags)r.ReadUInt16();
        var zoneSource = r.ReadUInt32();
        var zone = r.ReadUInt16();
        var table = r.ReadByte();
        r.Skip(3);
        var alg = r.ReadUInt16();
        if (r.Ok && zoneSource != 0)
        {
            // Zones taken from a field are legal for OVS but not something this controller writes.
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_conntrack.zone_src");
        }
        if (r.Ok && (alg != 0 || ((ushort)flags & ~3) != 0))
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_conntrack.flags");
        }
        var actions = ActionList.Read(ref r, r.Remaining);
        return r.Ok && materialize ? new NxConntrackAction(flags, zone, table, actions) : null;
    }

    public override string ToString()
    {
        var text = new StringBuilder("ct(");
        if (Flags.HasFlag(NxConntrackFlags.Commit)) text.Append("commit,");
        if (Flags.HasFlag(NxConntrackFlags.Force)) text.Append("force,");
        if (RecircTable != NoRecirc) text.Append(CultureInfo.InvariantCulture, $"table={RecircTable},");
        text.Append(CultureInfo.InvariantCulture, $"zone={Zone}");
        // As ovs-ofctl writes it: nat stands alone, the actions run on the connection (set_field of ct_mark, ct_label) go in exec().
        var exec = new List<OfpAction>();
        foreach (var action in Actions)
        {
            if (action is NxNatAction) text.Append(',').Append(action);
            else exec.Add(action);
        }
        if (exec.Count > 0) text.Append(",exec(").AppendJoin(',', exec).Append(')');
        return text.Append(')').ToString();
    }
}

[Flags]
public enum NxNatFlags : ushort
{
    None = 0,
    Source = 1 << 0,
    Destination = 1 << 1,
    Persistent = 1 << 2,
    ProtoHash = 1 << 3,
    ProtoRandom = 1 << 4,
}

/// <summary>
/// <c>NXAST_NAT</c>, only valid inside <see cref="NxConntrackAction"/>. With no flags it reverses
/// the translation of an existing connection (<c>ct(nat)</c>); with <see cref="NxNatFlags.Destination"/>
/// and an address it rewrites new connections to that address.
/// </summary>
public sealed record NxNatAction(NxNatFlags Flags = NxNatFlags.None, IPAddress? Ipv4Min = null, IPAddress? Ipv4Max = null, ushort? ProtoMin = null, ushort? ProtoMax = null)
    : NiciraAction
{
    public override NxActionSubtype Subtype => NxActionSubtype.Nat;

    [Flags]
    private enum RangePresent : ushort
    {
        Ipv4Min = 1 << 0,
        Ipv4Max = 1 << 1,
        Ipv6Min = 1 << 2,
        Ipv6Max = 1 << 3,
        ProtoMin = 1 << 4,
        ProtoMax = 1 << 5,
    }

    private const int FixedLength = 16;

    private int RangeLength => (Ipv4Min is null ? 0 : 4) + (Ipv4Max is null ? 0 : 4) + (ProtoMin is null ? 0 : 2) + (ProtoMax is null ? 0 : 2);

    public override int EncodedLength => Wire.Pad8(FixedLength + RangeLength);

    public override void Write(ref OfpWriter w)
    {
        var length = EncodedLength;
        WriteNxHeader(ref w, length);
        w.WriteZeros(2);
        w.WriteUInt16((ushort)Flags);
        var present = (Ipv4Min is null ? 0 : RangePresent.Ipv4Min) | (Ipv4Max is null ? 0 : RangePresent.Ipv4Max)
            | (ProtoMin is null ? 0 : RangePresent.ProtoMin) | (ProtoMax is null ? 0 : RangePresent.ProtoMax);
        w.WriteUInt16((ushort)present);
        if (Ipv4Min is not null) w.WriteUInt32(Ipv4.ToUInt32(Ipv4Min));
        if (Ipv4Max is not null) w.WriteUInt32(Ipv4.ToUInt32(Ipv4Max));
        if (ProtoMin is { } protoMin) w.WriteUInt16(protoMin);
        if (ProtoMax is { } protoMax) w.WriteUInt16(protoMax);
        w.WriteZeros(length - FixedLength - RangeLength);
    }

    internal static NxNatAction? ReadBody(ref OfpReader r, bool materialize)
    {
        r.Skip(2);
        var flags = (NxNatFlags)r.ReadUInt16();
        var present = (RangePresent)r.ReadUInt16();
        if (!r.Ok) return null;
        if (((ushort)flags & ~0x1f) != 0 || (flags & (NxNatFlags.Source | NxNatFlags.Destination)) == (NxNatFlags.Source | NxNatFlags.Destination))
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_nat.flags");
            return null;
        }
        if ((present & (RangePresent.Ipv6Min | RangePresent.Ipv6Max)) != 0 || ((ushort)present & ~0x3f) != 0)
        {
            // IPv6 ranges are valid OVS input, but this codec only speaks IPv4 NAT.
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_nat.range_present");
            return null;
        }
        uint? ipv4Min = present.HasFlag(RangePresent.Ipv4Min) ? r.ReadUInt32() : null;
        uint? ipv4Max = present.HasFlag(RangePresent.Ipv4Max) ? r.ReadUInt32() : null;
        ushort? protoMin = present.HasFlag(RangePresent.ProtoMin) ? r.ReadUInt16() : null;
        ushort? protoMax = present.HasFlag(RangePresent.ProtoMax) ? r.ReadUInt16() : null;
        var padding = r.Remaining;
        r.Skip(padding);
        if (r.Ok && padding >= 8) r.Fail(BadLen, "nx_action_nat.len");
        if (!r.Ok || !materialize) return null;
        return new NxNatAction(
            flags,
            ipv4Min is { } min ? Ipv4.ToAddress(min) : null,
            ipv4Max is { } max ? Ipv4.ToAddress(max) : null,
            protoMin,
            protoMax);
    }

    public override string ToString()
    {
        if (Flags == NxNatFlags.None && Ipv4Min is null) return "nat";
        var text = new StringBuilder("nat(");
        text.Append(Flags.HasFlag(NxNatFlags.Source) ? "src" : "dst");
        if (Ipv4Min is not null)
        {
            text.Append('=').Append(Ipv4Min);
            if (Ipv4Max is not null && !Ipv4Max.Equals(Ipv4Min)) text.Append('-').Append(Ipv4Max);
        }
        if (ProtoMin is { } pmin) text.Append(CultureInfo.InvariantCulture, $":{pmin}");
        if (ProtoMax is { } pmax && pmax != ProtoMin) text.Append(CultureInfo.InvariantCulture, $"-{pmax}");
        return text.Append(')').ToString();
    }
}
