namespace Appliance.OpenFlow;

/// <summary><c>OFPT_PACKET_OUT</c>: inject a packet and run it through <see cref="Actions"/>.</summary>
public readonly record struct PacketOut(uint BufferId, uint InPort, ActionList Actions, OfpBytes Data) : IOfpMessage<PacketOut>
{
    /// <summary>A packet carried in the message (not buffered in the switch), as if received on no port.</summary>
    public static PacketOut Of(OfpBytes data, ActionList actions, uint inPort = OfpPort.Controller) =>
        new(OfpBuffer.NoBuffer, inPort, actions, data);

    public static OfpType MessageType => OfpType.PacketOut;

    public OfpType Type => MessageType;

    public int BodyLength => 16 + Actions.EncodedLength + Data.Length;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt32(BufferId);
        w.WriteUInt32(InPort);
        w.WriteUInt16((ushort)Actions.EncodedLength);
        w.WriteZeros(6);
        Actions.Write(ref w);
        w.WriteBytes(Data.Span);
    }

    public static PacketOut ReadBody(ref OfpReader r)
    {
        var bufferId = r.ReadUInt32();
        var inPort = r.ReadUInt32();
        var actionsLength = r.ReadUInt16();
        r.Skip(6);
        var actions = ActionList.Read(ref r, actionsLength);
        var data = r.ReadRest();
        if (r.Ok && bufferId != OfpBuffer.NoBuffer && data.Length != 0)
        {
            r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadPacket), "ofp_packet_out.data");
        }
        return new PacketOut(bufferId, inPort, actions, data);
    }
}
