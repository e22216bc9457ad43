namespace Appliance.OpenFlow;

/// <summary>
/// <c>OFPT_PACKET_IN</c>. <see cref="Match"/> and <see cref="Data"/> are views of the receive
/// buffer: valid while the handler runs, <see cref="OfpBytes.Detach"/> to keep them.
/// </summary>
public readonly record struct PacketIn(
    uint BufferId, ushort TotalLen, OfpPacketInReason Reason, byte TableId, ulong Cookie, Match Match, OfpBytes Data)
    : IOfpMessage<PacketIn>
{
    public static OfpType MessageType => OfpType.PacketIn;

    public OfpType Type => MessageType;

    public int BodyLength => 16 + Match.EncodedLength + 2 + Data.Length;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt32(BufferId);
        w.WriteUInt16(TotalLen);
        w.WriteByte((byte)Reason);
        w.WriteByte(TableId);
        w.WriteUInt64(Cookie);
        Match.Write(ref w);
        w.WriteZeros(2);
        w.WriteBytes(Data.Span);
    }

    public static PacketIn ReadBody(ref OfpReader r)
    {
        var bufferId = r.ReadUInt32();
        var totalLen = r.ReadUInt16();
        var reason = r.ReadByte();
        var tableId = r.ReadByte();
        var cookie = r.ReadUInt64();
        var match = Match.Read(ref r);
        r.Skip(2);
        var data = r.ReadRest();
        return new PacketIn(bufferId, totalLen, (OfpPacketInReason)reason, tableId, cookie, match, data);
    }
}
