using System.Buffers.Binary;
using Appliance.Policy;

namespace Appliance.Pipeline;

/// <summary>
/// A refusal the switch reported (passive health, table 8): which server's port sent it, how, and
/// on which of the service's ports. Read from a PACKET_IN that the switch may have cut short.
/// </summary>
public readonly record struct RefusalReport(uint ServerPort, RefusalKind Kind, ushort Port)
{
    private const ushort EthTypeIpv4 = 0x0800, EthTypeVlan = 0x8100;

    /// <summary>
    /// The report in <paramref name="packetIn"/>, or false for anything else: another rule's packet,
    /// a packet that is not a refusal, or one too short to tell. Every length is checked: the
    /// switch's channel is an input like any other.
    /// </summary>
    public static bool TryRead(in PacketIn packetIn, out RefusalReport report)
    {
        report = default;
        if (Cookies.KindOf(packetIn.Cookie) != RuleKind.Refusal || packetIn.Match.InPort is not { } inPort) return false;
        var frame = packetIn.Data.Span;
        if (!TryIpv4(frame, out var ip)) return false;
        var headerLength = (ip[0] & 0x0f) * 4;
        if ((ip[0] >> 4) != 4 || headerLength < 20 || ip.Length < headerLength) return false;
        var payload = ip[headerLength..];
        switch (ip[9])
        {
            case 6 when payload.Length >= 14 && (payload[13] & 0x04) != 0:
                // The reset comes from the service's port.
                report = new RefusalReport(inPort, RefusalKind.TcpReset, BinaryPrimitives.ReadUInt16BigEndian(payload));
                return true;
            case 1 when payload.Length >= 8 && payload[0] == 3 && payload[1] is 1 or 3:
                // The datagram it answers follows the ICMP header; its destination is the service's port.
                var kind = payload[1] == 3 ? RefusalKind.PortUnreachable : RefusalKind.HostUnreachable;
                report = new RefusalReport(inPort, kind, DatagramPort(payload[8..]));
                return true;
            default:
                return false;
        }
    }

    /// <summary>The destination port of the UDP datagram quoted in an ICMP error; 0 when it is cut off.</summary>
    private static ushort DatagramPort(ReadOnlySpan<byte> quoted)
    {
        if (quoted.Length < 20 || (quoted[0] >> 4) != 4 || quoted[9] != 17) return 0;
        var headerLength = (quoted[0] & 0x0f) * 4;
        return headerLength >= 20 && quoted.Length >= headerLength + 4 ? BinaryPrimitives.ReadUInt16BigEndian(quoted[(headerLength + 2)..]) : (ushort)0;
    }

    private static bool TryIpv4(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> ip)
    {
        ip = default;
        if (frame.Length < 14) return false;
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var offset = 14;
        if (type == EthTypeVlan)
        {
            if (frame.Length < 18) return false;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            offset = 18;
        }
        if (type != EthTypeIpv4) return false;
        ip = frame[offset..];
        return ip.Length >= 20;
    }
}
