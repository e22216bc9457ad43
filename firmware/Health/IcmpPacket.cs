using System.Buffers.Binary;

namespace Appliance.Health;

/// <summary>ICMPv4 echo messages and the errors that quote them (RFC 792).</summary>
internal static class IcmpPacket
{
    public const byte EchoReply = 0;
    public const byte DestinationUnreachable = 3;
    public const byte EchoRequest = 8;
    public const byte TimeExceeded = 11;
    public const int EchoHeaderLength = 8;

    /// <summary>An echo request with the given identifier, sequence number and payload, checksum filled in.</summary>
    public static int WriteEchoRequest(Span<byte> destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> payload)
    {
        int length = EchoHeaderLength + payload.Length;
        var packet = destination[..length];
        packet[0] = EchoRequest;
        packet[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(packet[6..], sequence);
        payload.CopyTo(packet[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], Checksum(packet));
        return length;
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/>.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>
    /// What a raw ICMP socket received (IPv4 header included) means for our echoes: a reply from
    /// <paramref name="peer"/>, or an error about a request we sent to <paramref name="peer"/>.
    /// False for anything else (other programs' pings, truncated packets).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, ushort identifier, out Received received)
    {
        received = default;
        if (!TrySplitIpv4(datagram, protocol: 1, out uint source, out _, out var icmp) || icmp.Length < EchoHeaderLength)
        {
            return false;
        }
        byte type = icmp[0];
        byte code = icmp[1];
        if (type == EchoReply)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]) != identifier) return false;
            received = new Received(source, BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]), type, code);
            return true;
        }
        if (type is DestinationUnreachable or TimeExceeded)
        {
            // The error quotes our request's IP header and its first 8 bytes: type, code, checksum, id, sequence.
            if (!TrySplitIpv4(icmp[8..], protocol: 1, out _, out uint quotedDestination, out var quoted) || quoted.Length < EchoHeaderLength)
            {
                return false;
            }
            if (quoted[0] != EchoRequest || BinaryPrimitives.ReadUInt16BigEndian(quoted[4..]) != identifier) return false;
            received = new Received(quotedDestination, BinaryPrimitives.ReadUInt16BigEndian(quoted[6..]), type, code);
            return true;
        }
        return false;
    }

    /// <summary>Short words for an ICMP error, as the event log shows them.</summary>
    public static string Describe(byte type, byte code) => (type, code) switch
    {
        (DestinationUnreachable, 0) => "ICMP network unreachable",
        (DestinationUnreachable, 1) => "ICMP host unreachable",
        (DestinationUnreachable, 2) => "ICMP protocol unreachable",
        (DestinationUnreachable, 3) => "ICMP port unreachable",
        (DestinationUnreachable, 9 or 10 or 13) => "ICMP administratively prohibited",
        (DestinationUnreachable, _) => $"ICMP destination unreachable (code {code})",
        (TimeExceeded, _) => "ICMP time exceeded",
        _ => $"ICMP type {type} code {code}",
    };

    private static bool TrySplitIpv4(ReadOnlySpan<byte> packet, byte protocol, out uint source, out uint destination, out ReadOnlySpan<byte> payload)
    {
        source = destination = 0;
        payload = default;
        if (packet.Length < 20 || (packet[0] >> 4) != 4) return false;
        int headerLength = (packet[0] & 0x0f) * 4;
        if (headerLength < 20 || packet.Length < headerLength || packet[9] != protocol) return false;
        source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        destination = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        payload = packet[headerLength..];
        return true;
    }

    /// <param name="Peer">The server's IPv4 address, host order: the reply's source, or the quoted request's destination.</param>
    public readonly record struct Received(uint Peer, ushort Sequence, byte Type, byte Code)
    {
        public bool IsReply => Type == EchoReply;
    }
}
