namespace Appliance.OpenFlow;

/// <summary><c>OFPT_FLOW_REMOVED</c>.</summary>
public readonly record struct FlowRemoved(
    ulong Cookie, ushort Priority, OfpFlowRemovedReason Reason, byte TableId,
    uint DurationSec, uint DurationNsec, ushort IdleTimeout, ushort HardTimeout,
    ulong PacketCount, ulong ByteCount, Match Match)
    : IOfpMessage<FlowRemoved>
{
    public static OfpType MessageType => OfpType.FlowRemoved;

    public OfpType Type => MessageType;

    public int BodyLength => 40 + Match.EncodedLength;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt64(Cookie);
        w.WriteUInt16(Priority);
        w.WriteByte((byte)Reason);
        w.WriteByte(TableId);
        w.WriteUInt32(DurationSec);
        w.WriteUInt32(DurationNsec);
        w.WriteUInt16(IdleTimeout);
        w.WriteUInt16(HardTimeout);
        w.WriteUInt64(PacketCount);
        w.WriteUInt64(ByteCount);
        Match.Write(ref w);
    }

    public static FlowRemoved ReadBody(ref OfpReader r) => new(
        r.ReadUInt64(), r.ReadUInt16(), (OfpFlowRemovedReason)r.ReadByte(), r.ReadByte(),
        r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt16(), r.ReadUInt16(),
        r.ReadUInt64(), r.ReadUInt64(), Match.Read(ref r));
}
