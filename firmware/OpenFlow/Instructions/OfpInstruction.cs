using System.Globalization;

namespace Appliance.OpenFlow;

/// <summary><c>ofp_instruction_type</c>.</summary>
public enum OfpInstructionType : ushort
{
    GotoTable = 1,
    WriteMetadata = 2,
    WriteActions = 3,
    ApplyActions = 4,
    ClearActions = 5,
    Meter = 6,
    Experimenter = 0xffff,
}

/// <summary>An instruction of a flow entry. Like actions, records made on build or enumeration only.</summary>
public abstract record OfpInstruction(OfpInstructionType Type) : IOfpElement<OfpInstruction>
{
    static OfpErrorCode IOfpElement<OfpInstruction>.LengthError => OfpErrorCode.Of(OfpBadInstructionCode.BadLen);

    static OfpInstruction? IOfpElement<OfpInstruction>.Read(ref OfpReader r, bool materialize) => Read(ref r, materialize);

    private protected const int HeaderLength = 4;

    public abstract int EncodedLength { get; }

    public abstract void Write(ref OfpWriter w);

    /// <summary>
    /// The order in which a switch executes instructions (OF1.3.5 §5.9) and in which Open vSwitch
    /// writes them back; lists are kept in this order so that equal lists are equal bytes.
    /// </summary>
    internal int ExecutionOrder => Type switch
    {
        OfpInstructionType.Meter => 0,
        OfpInstructionType.ApplyActions => 1,
        OfpInstructionType.ClearActions => 2,
        OfpInstructionType.WriteActions => 3,
        OfpInstructionType.WriteMetadata => 4,
        OfpInstructionType.GotoTable => 5,
        _ => 6,
    };

    private protected static OfpErrorCode BadLen => OfpErrorCode.Of(OfpBadInstructionCode.BadLen);

    private protected void WriteHeader(ref OfpWriter w, int length)
    {
        w.WriteUInt16((ushort)Type);
        w.WriteUInt16((ushort)length);
    }

    internal static OfpInstruction? Read(ref OfpReader r, bool materialize)
    {
        var type = (OfpInstructionType)r.ReadUInt16();
        var length = r.ReadUInt16();
        if (!r.Ok) return null;
        if (length < 8 || length % 8 != 0)
        {
            r.Fail(BadLen, "ofp_instruction.len");
            return null;
        }
        var body = r.Slice(length - HeaderLength, BadLen, "ofp_instruction.len");
        OfpInstruction? instruction = type switch
        {
            OfpInstructionType.GotoTable => GotoTableInstruction.ReadBody(ref body, materialize),
            OfpInstructionType.WriteMetadata => WriteMetadataInstruction.ReadBody(ref body, materialize),
            OfpInstructionType.WriteActions or OfpInstructionType.ApplyActions or OfpInstructionType.ClearActions =>
                ActionsInstruction.ReadBody(type, ref body, materialize),
            OfpInstructionType.Meter => MeterInstruction.ReadBody(ref body, materialize),
            _ => null,
        };
        if (type is not (>= OfpInstructionType.GotoTable and <= OfpInstructionType.Meter))
        {
            body.Fail(OfpErrorCode.Of(OfpBadInstructionCode.UnknownInst), "ofp_instruction.type");
        }
        r.Absorb(body);
        return r.Ok ? instruction : null;
    }
}

/// <summary><c>OFPIT_GOTO_TABLE</c>.</summary>
public sealed record GotoTableInstruction(byte TableId) : OfpInstruction(OfpInstructionType.GotoTable)
{
    public override int EncodedLength => 8;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, 8);
        w.WriteByte(TableId);
        w.WriteZeros(3);
    }

    internal static GotoTableInstruction? ReadBody(ref OfpReader r, bool materialize)
    {
        var table = r.ReadByte();
        r.Skip(3);
        r.ExpectEnd("ofp_instruction_goto_table");
        if (r.Ok && table > OfpTable.Max) r.Fail(OfpErrorCode.Of(OfpBadInstructionCode.BadTableId), "ofp_instruction_goto_table.table_id");
        return r.Ok && materialize ? new GotoTableInstruction(table) : null;
    }

    public override string ToString() => $"goto_table:{TableId.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary><c>OFPIT_WRITE_METADATA</c>.</summary>
public sealed record WriteMetadataInstruction(ulong Metadata, ulong Mask = ulong.MaxValue) : OfpInstruction(OfpInstructionType.WriteMetadata)
{
    public override int EncodedLength => 24;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, 24);
        w.WriteZeros(4);
        w.WriteUInt64(Metadata);
        w.WriteUInt64(Mask);
    }

    internal static WriteMetadataInstruction? ReadBody(ref OfpReader r, bool materialize)
    {
        r.Skip(4);
        var metadata = r.ReadUInt64();
        var mask = r.ReadUInt64();
        r.ExpectEnd("ofp_instruction_write_metadata");
        return r.Ok && materialize ? new WriteMetadataInstruction(metadata, mask) : null;
    }

    public override string ToString() => Mask == ulong.MaxValue ? $"write_metadata:0x{Metadata:x}" : $"write_metadata:0x{Metadata:x}/0x{Mask:x}";
}

/// <summary><c>OFPIT_APPLY_ACTIONS</c>, <c>OFPIT_WRITE_ACTIONS</c> and <c>OFPIT_CLEAR_ACTIONS</c> share one layout.</summary>
public abstract record ActionsInstruction(OfpInstructionType Type, ActionList Actions) : OfpInstruction(Type)
{
    public override int EncodedLength => 8 + Actions.EncodedLength;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, EncodedLength);
        w.WriteZeros(4);
        Actions.Write(ref w);
    }

    internal static OfpInstruction? ReadBody(OfpInstructionType type, ref OfpReader r, bool materialize)
    {
        r.Skip(4);
        var actions = ActionList.Read(ref r, r.Remaining);
        if (r.Ok && type == OfpInstructionType.ClearActions && !actions.IsEmpty)
        {
            r.Fail(BadLen, "ofp_instruction_actions: clear_actions carries no actions");
        }
        if (!r.Ok || !materialize) return null;
        return type switch
        {
            OfpInstructionType.ApplyActions => new ApplyActionsInstruction(actions),
            OfpInstructionType.WriteActions => new WriteActionsInstruction(actions),
            _ => new ClearActionsInstruction(),
        };
    }
}

public sealed record ApplyActionsInstruction(ActionList Actions) : ActionsInstruction(OfpInstructionType.ApplyActions, Actions)
{
    public ApplyActionsInstruction(params ReadOnlySpan<OfpAction> actions)
        : this(ActionList.Of(actions))
    {
    }

    public override string ToString() => $"apply_actions({Actions})";
}

public sealed record WriteActionsInstruction(ActionList Actions) : ActionsInstruction(OfpInstructionType.WriteActions, Actions)
{
    public override string ToString() => $"write_actions({Actions})";
}

public sealed record ClearActionsInstruction() : ActionsInstruction(OfpInstructionType.ClearActions, ActionList.Empty)
{
    public override string ToString() => "clear_actions";
}

/// <summary><c>OFPIT_METER</c>.</summary>
public sealed record MeterInstruction(uint MeterId) : OfpInstruction(OfpInstructionType.Meter)
{
    public override int EncodedLength => 8;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, 8);
        w.WriteUInt32(MeterId);
    }

    internal static MeterInstruction? ReadBody(ref OfpReader r, bool materialize)
    {
        var meter = r.ReadUInt32();
        r.ExpectEnd("ofp_instruction_meter");
        return r.Ok && materialize ? new MeterInstruction(meter) : null;
    }

    public override string ToString() => $"meter:{MeterId.ToString(CultureInfo.InvariantCulture)}";
}
