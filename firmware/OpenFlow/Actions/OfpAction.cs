using System.Globalization;

namespace Appliance.OpenFlow;

/// <summary><c>ofp_action_type</c>.</summary>
public enum OfpActionType : ushort
{
    Output = 0,
    CopyTtlOut = 11,
    CopyTtlIn = 12,
    SetMplsTtl = 15,
    DecMplsTtl = 16,
    PushVlan = 17,
    PopVlan = 18,
    PushMpls = 19,
    PopMpls = 20,
    SetQueue = 21,
    Group = 22,
    SetNwTtl = 23,
    DecNwTtl = 24,
    SetField = 25,
    PushPbb = 26,
    PopPbb = 27,
    Experimenter = 0xffff,
}

/// <summary>
/// An action. Records, so that actions compare by value and print readably; they are made when
/// a list is built or enumerated, never while a message is merely decoded.
/// </summary>
public abstract record OfpAction : IOfpElement<OfpAction>
{
    static OfpErrorCode IOfpElement<OfpAction>.LengthError => OfpErrorCode.Of(OfpBadActionCode.BadLen);

    static OfpAction? IOfpElement<OfpAction>.Read(ref OfpReader r, bool materialize) => Read(ref r, materialize);

    private protected const int HeaderLength = 4;

    /// <summary>Bytes on the wire, header and padding included.</summary>
    public abstract int EncodedLength { get; }

    public abstract void Write(ref OfpWriter w);

    private protected static OfpErrorCode BadLen => OfpErrorCode.Of(OfpBadActionCode.BadLen);

    private protected static void WriteHeader(ref OfpWriter w, OfpActionType type, int length)
    {
        w.WriteUInt16((ushort)type);
        w.WriteUInt16((ushort)length);
    }

    /// <summary>
    /// Reads and checks one action. With <paramref name="materialize"/> false it only validates,
    /// which is how lists are checked on decode without allocating.
    /// </summary>
    internal static OfpAction? Read(ref OfpReader r, bool materialize)
    {
        var type = (OfpActionType)r.ReadUInt16();
        var length = r.ReadUInt16();
        if (!r.Ok) return null;
        if (length < 8 || length % 8 != 0)
        {
            r.Fail(BadLen, "ofp_action_header.len");
            return null;
        }
        var body = r.Slice(length - HeaderLength, BadLen, "ofp_action_header.len");
        var action = type switch
        {
            OfpActionType.Output => OutputAction.ReadBody(ref body, materialize),
            OfpActionType.Group => GroupAction.ReadBody(ref body, materialize),
            OfpActionType.SetField => SetFieldAction.ReadBody(ref body, materialize),
            OfpActionType.PushVlan => PushVlanAction.ReadBody(ref body, materialize),
            OfpActionType.PopVlan => PopVlanAction.ReadBody(ref body, materialize),
            OfpActionType.DecNwTtl => DecNwTtlAction.ReadBody(ref body, materialize),
            OfpActionType.Experimenter => NiciraAction.ReadExperimenter(ref body, materialize),
            _ => Unknown(ref body),
        };
        r.Absorb(body);
        return r.Ok ? action : null;
    }

    private static OfpAction? Unknown(ref OfpReader body)
    {
        body.Fail(OfpErrorCode.Of(OfpBadActionCode.BadType), "ofp_action_header.type");
        return null;
    }
}

/// <summary><c>OFPAT_OUTPUT</c>: send the packet out of a port.</summary>
/// <param name="MaxLen">Bytes to send to the controller when <paramref name="Port"/> is CONTROLLER.</param>
public sealed record OutputAction(uint Port, ushort MaxLen = 0) : OfpAction
{
    public override int EncodedLength => 16;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, OfpActionType.Output, 16);
        w.WriteUInt32(Port);
        w.WriteUInt16(MaxLen);
        w.WriteZeros(6);
    }

    internal static OutputAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var port = r.ReadUInt32();
        var maxLen = r.ReadUInt16();
        r.Skip(6);
        r.ExpectEnd("ofp_action_output");
        if (r.Ok && port == 0) r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadOutPort), "ofp_action_output.port");
        return r.Ok && materialize ? new OutputAction(port, maxLen) : null;
    }

    public override string ToString() => Port == OfpPort.Controller
        ? $"output:CONTROLLER:{MaxLen.ToString(CultureInfo.InvariantCulture)}"
        : $"output:{OfpPort.Name(Port)}";
}

/// <summary><c>OFPAT_GROUP</c>: process the packet through a group.</summary>
public sealed record GroupAction(uint GroupId) : OfpAction
{
    public override int EncodedLength => 8;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, OfpActionType.Group, 8);
        w.WriteUInt32(GroupId);
    }

    internal static GroupAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var group = r.ReadUInt32();
        r.ExpectEnd("ofp_action_group");
        if (r.Ok && group > OfpGroup.Max) r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadOutGroup), "ofp_action_group.group_id");
        return r.Ok && materialize ? new GroupAction(group) : null;
    }

    public override string ToString() => $"group:{GroupId.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary><c>OFPAT_SET_FIELD</c>: overwrite a header field with a value (no mask, OF1.3 §7.2.4).</summary>
public sealed record SetFieldAction(OxmField Field) : OfpAction
{
    public OxmField Field { get; } = Field.HasMask
        ? throw new ArgumentException("set_field takes no mask", nameof(Field))
        : Field;

    public override int EncodedLength => Wire.Pad8(HeaderLength + Field.EncodedLength);

    public override void Write(ref OfpWriter w)
    {
        var length = EncodedLength;
        WriteHeader(ref w, OfpActionType.SetField, length);
        Field.Write(ref w);
        w.WriteZeros(length - HeaderLength - Field.EncodedLength);
    }

    internal static SetFieldAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var field = OxmField.Read(ref r);
        if (!r.Ok)
        {
            // A field error inside SET_FIELD is a BAD_ACTION error for the switch's purposes.
            return null;
        }
        if (field.HasMask)
        {
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadSetArgument), "ofp_action_set_field.field");
            return null;
        }
        var padding = r.Remaining;
        r.Skip(padding);
        if (r.Ok && padding >= 8) r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadSetLen), "ofp_action_set_field.len");
        return r.Ok && materialize ? new SetFieldAction(field) : null;
    }

    public override string ToString()
    {
        var text = Field.ToString();
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        return $"set_field:{text[(eq + 1)..]}->{text[..eq]}";
    }
}

/// <summary><c>OFPAT_PUSH_VLAN</c>.</summary>
public sealed record PushVlanAction(ushort EtherType = 0x8100) : OfpAction
{
    public override int EncodedLength => 8;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, OfpActionType.PushVlan, 8);
        w.WriteUInt16(EtherType);
        w.WriteZeros(2);
    }

    internal static PushVlanAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var etherType = r.ReadUInt16();
        r.Skip(2);
        r.ExpectEnd("ofp_action_push");
        if (r.Ok && etherType is not (0x8100 or 0x88a8)) r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "ofp_action_push.ethertype");
        return r.Ok && materialize ? new PushVlanAction(etherType) : null;
    }

    public override string ToString() => $"push_vlan:0x{EtherType:x4}";
}

/// <summary>Actions whose body is only padding share this shape.</summary>
public abstract record EmptyAction(OfpActionType Type) : OfpAction
{
    public override int EncodedLength => 8;

    public override void Write(ref OfpWriter w)
    {
        WriteHeader(ref w, Type, 8);
        w.WriteZeros(4);
    }

    private protected static bool ReadPadding(ref OfpReader r)
    {
        r.Skip(4);
        r.ExpectEnd("ofp_action_generic");
        return r.Ok;
    }
}

/// <summary><c>OFPAT_POP_VLAN</c>.</summary>
public sealed record PopVlanAction() : EmptyAction(OfpActionType.PopVlan)
{
    internal static PopVlanAction? ReadBody(ref OfpReader r, bool materialize) =>
        ReadPadding(ref r) && materialize ? new PopVlanAction() : null;

    public override string ToString() => "pop_vlan";
}

/// <summary><c>OFPAT_DEC_NW_TTL</c>.</summary>
public sealed record DecNwTtlAction() : EmptyAction(OfpActionType.DecNwTtl)
{
    internal static DecNwTtlAction? ReadBody(ref OfpReader r, bool materialize) =>
        ReadPadding(ref r) && materialize ? new DecNwTtlAction() : null;

    public override string ToString() => "dec_ttl";
}
