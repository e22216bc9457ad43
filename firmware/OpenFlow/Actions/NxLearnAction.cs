using System.Globalization;
using System.Text;

namespace Appliance.OpenFlow;

/// <summary>What a <see cref="NxLearnSpec"/> adds to the learned flow (<c>NX_LEARN_DST_*</c>).</summary>
public enum NxLearnDestination : byte
{
    /// <summary>A match on the destination field.</summary>
    Match = 0,

    /// <summary>A load of the destination field among the learned flow's actions.</summary>
    Load = 1,

    /// <summary>An output to the port the source holds.</summary>
    Output = 2,
}

[Flags]
public enum NxLearnFlags : ushort
{
    None = 0,
    SendFlowRemoved = 1 << 0,
    DeleteLearned = 1 << 1,
}

/// <summary>
/// One <c>flow_mod_spec</c> of <c>NXAST_LEARN</c>: <see cref="NBits"/> bits, from a field of the
/// packet being processed or from an immediate value, go into the learned flow as a match, a load
/// or an output. A spec that reads a field makes Open vSwitch un-wildcard it in the datapath flow.
/// </summary>
public sealed record NxLearnSpec(NxLearnDestination Destination, int NBits, OxmFieldId? Source, int SourceOffset, UInt128 Value, OxmFieldId? Target, int TargetOffset)
{
    private const ushort SourceImmediate = 1 << 13;
    private const int MaxImmediateBits = 128;

    /// <summary>The learned flow matches <paramref name="target"/> = <paramref name="value"/> (the whole field).</summary>
    public static NxLearnSpec MatchValue(OxmFieldId target, UInt128 value) =>
        new(NxLearnDestination.Match, Width(target), null, 0, value, target, 0);

    /// <summary>The learned flow loads <paramref name="value"/> into <paramref name="nBits"/> bits of <paramref name="target"/> from <paramref name="offset"/>.</summary>
    public static NxLearnSpec LoadValue(UInt128 value, OxmFieldId target, int offset, int nBits) =>
        new(NxLearnDestination.Load, nBits, null, 0, value, target, offset);

    /// <summary>The learned flow loads the packet's <paramref name="source"/> (whole) into <paramref name="target"/> from <paramref name="offset"/>.</summary>
    public static NxLearnSpec LoadField(OxmFieldId source, OxmFieldId target, int offset) =>
        new(NxLearnDestination.Load, Width(source), source, 0, 0, target, offset);

    public bool IsImmediate => Source is null;

    private static int Width(OxmFieldId field) => field.Info.Size * 8;

    private static int ImmediateBytes(int nBits) => (nBits + 15) / 16 * 2;

    public int EncodedLength =>
        2 + (IsImmediate ? ImmediateBytes(NBits) : 6) + (Destination == NxLearnDestination.Output ? 0 : 6);

    internal void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)((IsImmediate ? SourceImmediate : 0) | ((int)Destination << 11) | NBits));
        if (Source is { } source)
        {
            w.WriteUInt32(source.Header(false));
            w.WriteUInt16((ushort)SourceOffset);
        }
        else
        {
            // Right-aligned, big-endian, in whole 16-bit units.
            Span<byte> value = stackalloc byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(value, Value);
            w.WriteBytes(value[(16 - ImmediateBytes(NBits))..]);
        }
        if (Target is { } target)
        {
            w.WriteUInt32(target.Header(false));
            w.WriteUInt16((ushort)TargetOffset);
        }
    }

    /// <summary>Reads one spec after its non-zero <paramref name="header"/>; false when it is invalid (the reader says why). Made only when <paramref name="materialize"/>.</summary>
    internal static bool Read(ref OfpReader r, ushort header, bool materialize, out NxLearnSpec? spec)
    {
        spec = null;
        var nBits = header & 0x3ff;
        var immediate = (header & SourceImmediate) != 0;
        var destination = (header >> 11) & 3;
        if ((header & 0xc000) != 0 || destination == 3 || nBits == 0 || (immediate && (destination == (int)NxLearnDestination.Output || nBits > MaxImmediateBits)))
        {
            // Output takes its port from a field; wider immediates than 128 bits fit no field we know.
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_learn.spec");
            return false;
        }
        OxmFieldId? source = null;
        var sourceOffset = 0;
        UInt128 value = 0;
        if (immediate)
        {
            var bytes = r.ReadSpan(ImmediateBytes(nBits));
            if (!r.Ok) return false;
            foreach (var b in bytes) value = (value << 8) | b;
            if (nBits < MaxImmediateBits && value >> nBits != 0)
            {
                r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_learn.spec.value");
                return false;
            }
        }
        else
        {
            source = ReadField(ref r, nBits, out sourceOffset, "nx_action_learn.spec.src");
            if (source is null) return false;
        }
        OxmFieldId? target = null;
        var targetOffset = 0;
        if (destination != (int)NxLearnDestination.Output)
        {
            target = ReadField(ref r, nBits, out targetOffset, "nx_action_learn.spec.dst");
            if (target is null) return false;
        }
        if (materialize) spec = new NxLearnSpec((NxLearnDestination)destination, nBits, source, sourceOffset, value, target, targetOffset);
        return true;
    }

    private static OxmFieldId? ReadField(ref OfpReader r, int nBits, out int offset, string what)
    {
        var header = r.ReadUInt32();
        offset = r.ReadUInt16();
        if (!r.Ok) return null;
        var id = new OxmFieldId((OxmClass)(header >> 16), (byte)((header >> 9) & 0x7f));
        if ((header & 0x100) != 0 || id.IsExperimenter || !id.TryGetInfo(out var info) || (header & 0xff) != info.Size || offset + nBits > info.Size * 8)
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), what);
            return null;
        }
        return id;
    }

    public override string ToString()
    {
        var source = IsImmediate ? string.Create(CultureInfo.InvariantCulture, $"0x{Value:x}") : Slice(Source!.Value, SourceOffset);
        return Destination switch
        {
            NxLearnDestination.Match when IsImmediate && NBits == Target!.Value.Info.Size * 8 => $"{Target.Value.Info.Name}={source}",
            NxLearnDestination.Match => $"{Slice(Target!.Value, TargetOffset)}={source}",
            NxLearnDestination.Load => $"load:{source}->{Slice(Target!.Value, TargetOffset)}",
            _ => $"output:{source}",
        };
    }

    private string Slice(OxmFieldId field, int offset) =>
        offset == 0 && NBits == field.Info.Size * 8 ? $"{field.Info.Name}[]"
        : NBits == 1 ? string.Create(CultureInfo.InvariantCulture, $"{field.Info.Name}[{offset}]")
        : string.Create(CultureInfo.InvariantCulture, $"{field.Info.Name}[{offset}..{offset + NBits - 1}]");
}

/// <summary>
/// <c>NXAST_LEARN</c>: adds (or refreshes) a flow in <see cref="TableId"/> while the packet is
/// processed, in the switch, without the controller. Specs say what the new flow matches and loads.
/// </summary>
public sealed record NxLearnAction(byte TableId, ushort Priority, ulong Cookie, ushort IdleTimeout, ushort HardTimeout, IReadOnlyList<NxLearnSpec> Specs,
    NxLearnFlags Flags = NxLearnFlags.None, ushort FinIdleTimeout = 0, ushort FinHardTimeout = 0) : NiciraAction
{
    private const int FixedLength = 32;

    public override NxActionSubtype Subtype => NxActionSubtype.Learn;

    public override int EncodedLength => Wire.Pad8(FixedLength + Specs.Sum(s => s.EncodedLength));

    public override void Write(ref OfpWriter w)
    {
        var length = EncodedLength;
        WriteNxHeader(ref w, length);
        w.WriteUInt16(IdleTimeout);
        w.WriteUInt16(HardTimeout);
        w.WriteUInt16(Priority);
        w.WriteUInt64(Cookie);
        w.WriteUInt16((ushort)Flags);
        w.WriteByte(TableId);
        w.WriteByte(0);
        w.WriteUInt16(FinIdleTimeout);
        w.WriteUInt16(FinHardTimeout);
        var written = FixedLength;
        foreach (var spec in Specs)
        {
            spec.Write(ref w);
            written += spec.EncodedLength;
        }
        // A zero spec header ends the list; the rest is padding.
        w.WriteZeros(length - written);
    }

    internal static NxLearnAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var idle = r.ReadUInt16();
        var hard = r.ReadUInt16();
        var priority = r.ReadUInt16();
        var cookie = r.ReadUInt64();
        var flags = (NxLearnFlags)r.ReadUInt16();
        var table = r.ReadByte();
        var pad = r.ReadByte();
        var finIdle = r.ReadUInt16();
        var finHard = r.ReadUInt16();
        if (!r.Ok) return null;
        if (((ushort)flags & ~3) != 0 || pad != 0 || table == OfpTable.All)
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_learn.flags");
            return null;
        }
        var specs = materialize ? new List<NxLearnSpec>() : null;
        while (r.Remaining >= 2)
        {
            var header = r.ReadUInt16();
            if (header == 0) break;
            if (!NxLearnSpec.Read(ref r, header, materialize, out var spec)) return null;
            if (spec is not null) specs?.Add(spec);
        }
        // Only zeros may follow the last spec.
        foreach (var b in r.ReadSpan(r.Remaining))
        {
            if (b != 0)
            {
                r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_learn.pad");
                return null;
            }
        }
        return r.Ok && specs is not null ? new NxLearnAction(table, priority, cookie, idle, hard, specs, flags, finIdle, finHard) : null;
    }

    public bool Equals(NxLearnAction? other) =>
        other is not null && TableId == other.TableId && Priority == other.Priority && Cookie == other.Cookie && IdleTimeout == other.IdleTimeout
        && HardTimeout == other.HardTimeout && Flags == other.Flags && FinIdleTimeout == other.FinIdleTimeout && FinHardTimeout == other.FinHardTimeout
        && Specs.SequenceEqual(other.Specs);

    public override int GetHashCode() => HashCode.Combine(TableId, Priority, Cookie, HardTimeout, Specs.Count);

    public override string ToString()
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"learn(table={TableId}"));
        if (IdleTimeout != 0) text.Append(CultureInfo.InvariantCulture, $",idle_timeout={IdleTimeout}");
        if (HardTimeout != 0) text.Append(CultureInfo.InvariantCulture, $",hard_timeout={HardTimeout}");
        if (FinIdleTimeout != 0) text.Append(CultureInfo.InvariantCulture, $",fin_idle_timeout={FinIdleTimeout}");
        if (FinHardTimeout != 0) text.Append(CultureInfo.InvariantCulture, $",fin_hard_timeout={FinHardTimeout}");
        text.Append(CultureInfo.InvariantCulture, $",priority={Priority}");
        if (Flags.HasFlag(NxLearnFlags.SendFlowRemoved)) text.Append(",send_flow_rem");
        if (Flags.HasFlag(NxLearnFlags.DeleteLearned)) text.Append(",delete_learned");
        if (Cookie != 0) text.Append(CultureInfo.InvariantCulture, $",cookie=0x{Cookie:x}");
        foreach (var spec in Specs) text.Append(',').Append(spec);
        return text.Append(')').ToString();
    }
}

/// <summary>
/// <c>NXAST_RESUBMIT_TABLE</c> (<c>resubmit(,TABLE)</c>): looks the packet up in another table and
/// carries on after it, which is how a learned flow, whose actions can only load fields, takes part in
/// a decision made further on.
/// </summary>
public sealed record NxResubmitAction(byte Table) : NiciraAction
{
    /// <summary><c>OFPP_IN_PORT</c> in OpenFlow 1.0 numbering: keep the packet's own in_port.</summary>
    private const ushort InPortUnchanged = 0xfff8;

    public override NxActionSubtype Subtype => NxActionSubtype.ResubmitTable;

    public override int EncodedLength => 16;

    public override void Write(ref OfpWriter w)
    {
        WriteNxHeader(ref w, 16);
        w.WriteUInt16(InPortUnchanged);
        w.WriteByte(Table);
        w.WriteZeros(3);
    }

    internal static NxResubmitAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var inPort = r.ReadUInt16();
        var table = r.ReadByte();
        r.Skip(3);
        if (r.Ok && (inPort != InPortUnchanged || table == OfpTable.All))
        {
            // Another in_port, or the current table, is valid for OVS but nothing this controller writes.
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_resubmit");
        }
        r.Skip(r.Remaining);
        return r.Ok && materialize ? new NxResubmitAction(table) : null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"resubmit(,{Table})");
}
