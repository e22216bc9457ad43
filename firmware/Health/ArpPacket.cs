using System.Buffers.Binary;

namespace Appliance.Health;

/// <summary>ARP for IPv4 over Ethernet (RFC 826), whole Ethernet frames.</summary>
internal static class ArpPacket
{
    public const ushort EtherType = 0x0806;
    public const int FrameLength = 42; // 14 Ethernet + 28 ARP; the driver pads to the minimum
    public const ushort RequestOp = 1;
    public const ushort ReplyOp = 2;

    /// <summary>
    /// A who-has for <paramref name="targetIp"/> from us. Broadcast when <paramref name="destination"/>
    /// is null; otherwise sent to that MAC only (a unicast poll, as the kernel's neighbour probe does),
    /// which keeps a 50-per-second probe off every other port of the switch.
    /// </summary>
    public static void WriteRequest(Span<byte> frame, MacAddress sourceMac, uint sourceIp, uint targetIp, MacAddress? destination)
    {
        frame = frame[..FrameLength];
        (destination ?? new MacAddress(MacAddress.Mask48)).Write(frame);
        sourceMac.Write(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherType);
        var arp = frame[14..];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);           // hardware: Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], 0x0800); // protocol: IPv4
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], RequestOp);
        sourceMac.Write(arp[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[14..], sourceIp);
        (destination ?? default).Write(arp[18..]);           // target MAC: unknown (zero) unless polling
        BinaryPrimitives.WriteUInt32BigEndian(arp[24..], targetIp);
    }

    /// <summary>Reads an ARP reply: who answered (sender IP and MAC) and whom it answers (target IP).</summary>
    public static bool TryParseReply(ReadOnlySpan<byte> frame, out uint senderIp, out MacAddress senderMac, out uint targetIp) =>
        TryParse(frame, out var op, out senderIp, out senderMac, out targetIp) && op == ReplyOp;

    /// <summary>Reads any ARP packet for IPv4 over Ethernet: its operation, sender IP and MAC, and target IP.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out ushort op, out uint senderIp, out MacAddress senderMac, out uint targetIp)
    {
        op = 0;
        senderIp = targetIp = 0;
        senderMac = default;
        if (frame.Length < FrameLength || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherType) return false;
        var arp = frame[14..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp) != 1 || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != 0x0800 || arp[4] != 6 || arp[5] != 4)
        {
            return false;
        }
        op = BinaryPrimitives.ReadUInt16BigEndian(arp[6..]);
        senderMac = MacAddress.Read(arp.Slice(8, 6));
        senderIp = BinaryPrimitives.ReadUInt32BigEndian(arp[14..]);
        targetIp = BinaryPrimitives.ReadUInt32BigEndian(arp[24..]);
        return op is RequestOp or ReplyOp;
    }
}
