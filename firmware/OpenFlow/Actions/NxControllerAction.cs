using System.Globalization;
using System.Text;

namespace Appliance.OpenFlow;

/// <summary>
/// <c>NXAST_CONTROLLER2</c> and <c>NXAST_CONTROLLER</c>: sends the packet to the controller, as
/// <c>output:CONTROLLER</c> does, with what OFPAT_OUTPUT cannot say: above all a meter that bounds
/// how many packet-ins the action may cause, and a reason, a controller id, userdata, pause.
/// </summary>
/// <remarks>
/// Encoded as Open vSwitch's <c>encode_CONTROLLER</c> does, so that the action a flow dump returns
/// is byte-identical to the one installed: <c>NXAST_CONTROLLER2</c> when a meter, userdata or pause
/// is set, carrying only the properties that differ from their defaults, in OVS's order; the 16-byte
/// <c>NXAST_CONTROLLER</c> otherwise. OVS remembers which of the two it was given and writes that
/// back, so either reads back as written. A <c>NXAST_CONTROLLER2</c> with none of the three (OVS
/// accepts and keeps one) decodes to the same record but re-encodes in the short form; this codec
/// never writes one. For a plain packet-in without extras, <see cref="OutputAction"/> to
/// <see cref="OfpPort.Controller"/> is what <c>ovs-ofctl</c> makes of <c>controller(max_len=N)</c>.
/// </remarks>
/// <param name="MaxLen">Bytes of the packet to send; <see cref="ushort.MaxValue"/> for all of it.</param>
/// <param name="MeterId">The meter that limits the packet-ins, or <see cref="NoMeter"/>. OVS binds it when the flow is installed: install the meter first.</param>
/// <param name="Userdata">Opaque bytes OVS copies into the <c>NXT_PACKET_IN2</c> it sends.</param>
/// <param name="Pause">Pause the pipeline for the controller to resume (<c>NXT_RESUME</c>).</param>
public sealed record NxControllerAction(
    ushort MaxLen = ushort.MaxValue, ushort ControllerId = 0, OfpPacketInReason Reason = OfpPacketInReason.Action,
    uint MeterId = NxControllerAction.NoMeter, OfpBytes Userdata = default, bool Pause = false) : NiciraAction
{
    /// <summary><c>NX_CTLR_NO_METER</c>: the packet-ins are not metered.</summary>
    public const uint NoMeter = 0;

    private const int ShortLength = 16;
    private const int PropertiesStart = 16;
    private const int PropertyHeaderLength = 4;

    /// <summary><c>enum nx_action_controller2_prop_type</c>.</summary>
    private enum Property : ushort { MaxLen = 0, ControllerId = 1, Reason = 2, Userdata = 3, Pause = 4, MeterId = 5 }

    /// <summary>Whether OVS would write the long form: only it can carry these three.</summary>
    private bool HasProperties => MeterId != NoMeter || Userdata.Length > 0 || Pause;

    public override NxActionSubtype Subtype => HasProperties ? NxActionSubtype.Controller2 : NxActionSubtype.Controller;

    public override int EncodedLength => !HasProperties ? ShortLength : PropertiesStart
        + (MaxLen != ushort.MaxValue ? 8 : 0)
        + (ControllerId != 0 ? 8 : 0)
        + (Reason != OfpPacketInReason.Action ? 8 : 0)
        + (Userdata.Length > 0 ? Wire.Pad8(PropertyHeaderLength + Userdata.Length) : 0)
        + (Pause ? 8 : 0)
        + (MeterId != NoMeter ? 8 : 0);

    public override void Write(ref OfpWriter w)
    {
        WriteNxHeader(ref w, EncodedLength);
        if (!HasProperties)
        {
            w.WriteUInt16(MaxLen);
            w.WriteUInt16(ControllerId);
            w.WriteByte((byte)Reason);
            w.WriteByte(0);
            return;
        }
        w.WriteZeros(6);
        // encode_CONTROLLER's order, each property only when it is not the default.
        if (MaxLen != ushort.MaxValue)
        {
            // OpenFlow gives 16-bit properties a length of 8, the value's padding included (ofpprop_put_be16).
            WritePropertyHeader(ref w, Property.MaxLen, 4);
            w.WriteUInt16(MaxLen);
            w.WriteZeros(2);
        }
        if (ControllerId != 0)
        {
            WritePropertyHeader(ref w, Property.ControllerId, 4);
            w.WriteUInt16(ControllerId);
            w.WriteZeros(2);
        }
        if (Reason != OfpPacketInReason.Action)
        {
            WritePropertyHeader(ref w, Property.Reason, 1);
            w.WriteByte((byte)Reason);
            w.WriteZeros(3);
        }
        if (Userdata.Length > 0)
        {
            var length = PropertyHeaderLength + Userdata.Length;
            WritePropertyHeader(ref w, Property.Userdata, Userdata.Length);
            w.WriteBytes(Userdata.Span);
            w.WriteZeros(Wire.Pad8(length) - length);
        }
        if (Pause)
        {
            WritePropertyHeader(ref w, Property.Pause, 0);
            w.WriteZeros(4);
        }
        if (MeterId != NoMeter)
        {
            WritePropertyHeader(ref w, Property.MeterId, 4);
            w.WriteUInt32(MeterId);
        }
    }

    /// <summary>An <c>ofp_prop_header</c>: its length counts the header and the payload, not the padding to 8.</summary>
    private static void WritePropertyHeader(ref OfpWriter w, Property type, int payloadLength)
    {
        w.WriteUInt16((ushort)type);
        w.WriteUInt16((ushort)(PropertyHeaderLength + payloadLength));
    }

    /// <summary>Reads <c>nx_action_controller</c> after its subtype.</summary>
    internal static NxControllerAction? ReadBody(ref OfpReader r, bool materialize)
    {
        var maxLen = r.ReadUInt16();
        var controllerId = r.ReadUInt16();
        var reason = r.ReadByte();
        r.Skip(1); // OVS ignores the byte it calls "zero".
        r.ExpectEnd("nx_action_controller");
        return r.Ok && materialize ? new NxControllerAction(maxLen, controllerId, (OfpPacketInReason)reason) : null;
    }

    /// <summary>Reads <c>NXAST_CONTROLLER2</c> after its subtype: padding, then properties, checked as <c>decode_NXAST_RAW_CONTROLLER2</c> does.</summary>
    internal static NxControllerAction? ReadBody2(ref OfpReader r, bool materialize)
    {
        var pad = r.ReadSpan(6);
        if (r.Ok && pad.ContainsAnyExcept((byte)0))
        {
            // OVS answers NXBRC_MUST_BE_ZERO, a Nicira experimenter code OfpErrorCode cannot carry.
            r.Fail(OfpErrorCode.Of(OfpBadActionCode.BadArgument), "nx_action_controller2.pad");
            return null;
        }
        // decode_NXAST_RAW_CONTROLLER2's defaults; a repeated property overrides the earlier one, as there.
        var maxLen = ushort.MaxValue;
        ushort controllerId = 0;
        var reason = OfpPacketInReason.Action;
        var meterId = NoMeter;
        OfpBytes userdata = default;
        var pause = false;
        while (r.Remaining > 0 && r.Ok)
        {
            var type = (Property)r.ReadUInt16();
            var length = r.ReadUInt16();
            if (!r.Ok) break;
            if (length < PropertyHeaderLength || Wire.Pad8(length) - PropertyHeaderLength > r.Remaining)
            {
                r.Fail(PropertyBadLen, "ofp_prop_header.len");
                break;
            }
            var payload = r.Slice(length - PropertyHeaderLength, PropertyBadLen, "ofp_prop_header.len");
            r.Skip(Wire.Pad8(length) - length);
            switch (type)
            {
                case Property.MaxLen:
                    maxLen = AtLeast(ref payload, 2) ? payload.ReadUInt16() : default;
                    break;
                case Property.ControllerId:
                    controllerId = AtLeast(ref payload, 2) ? payload.ReadUInt16() : default;
                    break;
                case Property.Reason:
                    reason = AtLeast(ref payload, 1) ? (OfpPacketInReason)payload.ReadByte() : default;
                    break;
                case Property.Userdata:
                    userdata = payload.ReadRest();
                    break;
                case Property.Pause:
                    // OVS reads nothing of a pause property's payload.
                    pause = true;
                    break;
                case Property.MeterId:
                    meterId = Exactly(ref payload, 4) ? payload.ReadUInt32() : default;
                    break;
                default:
                    payload.Fail(OfpErrorCode.Of(OfpTableFeaturesFailedCode.BadType), "nx_action_controller2 property type");
                    break;
            }
            r.Absorb(payload);
        }
        if (!r.Ok || !materialize) return null;
        return new NxControllerAction(maxLen, controllerId, reason, meterId, userdata, pause);
    }

    /// <summary>OVS's <c>OFPBPC_BAD_LEN</c>, as it reports it in OpenFlow 1.3.</summary>
    private static OfpErrorCode PropertyBadLen => OfpErrorCode.Of(OfpTableFeaturesFailedCode.BadLen);

    /// <summary>An 8- or 16-bit property's payload may be longer than its value (<c>ofpprop_parse_u16</c> is forgiving).</summary>
    private static bool AtLeast(ref OfpReader payload, int size)
    {
        if (payload.Remaining < size) payload.Fail(PropertyBadLen, "nx_action_controller2 property payload");
        return payload.Ok;
    }

    /// <summary>A 32-bit property's payload is exactly 4 bytes (<c>ofpprop_parse_u32</c>).</summary>
    private static bool Exactly(ref OfpReader payload, int size)
    {
        if (payload.Remaining != size) payload.Fail(PropertyBadLen, "nx_action_controller2 property payload");
        return payload.Ok;
    }

    /// <summary>As <c>ovs-ofctl</c> (<c>format_CONTROLLER</c>): <c>controller(max_len=128,meter_id=1)</c>, or <c>CONTROLLER:N</c> with nothing else set.</summary>
    public override string ToString()
    {
        if (Reason == OfpPacketInReason.Action && ControllerId == 0 && !HasProperties)
        {
            return $"CONTROLLER:{MaxLen.ToString(CultureInfo.InvariantCulture)}";
        }
        var parts = new List<string>();
        if (Reason != OfpPacketInReason.Action) parts.Add($"reason={ReasonName(Reason)}");
        if (MaxLen != ushort.MaxValue) parts.Add(string.Create(CultureInfo.InvariantCulture, $"max_len={MaxLen}"));
        if (ControllerId != 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"id={ControllerId}"));
        if (Userdata.Length > 0) parts.Add("userdata=" + string.Join('.', Userdata.Span.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture))));
        if (Pause) parts.Add("pause");
        if (MeterId != NoMeter) parts.Add(string.Create(CultureInfo.InvariantCulture, $"meter_id={MeterId}"));
        return new StringBuilder("controller(").AppendJoin(',', parts).Append(')').ToString();
    }

    /// <summary>The names of <c>ofputil_packet_in_reason_to_string</c>.</summary>
    private static string ReasonName(OfpPacketInReason reason) => (byte)reason switch
    {
        0 => "no_match",
        1 => "action",
        2 => "invalid_ttl",
        3 => "action_set",
        4 => "group",
        5 => "packet_out",
        var other => other.ToString(CultureInfo.InvariantCulture),
    };
}
