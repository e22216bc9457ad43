using System.Buffers.Binary;
using System.ComponentModel;
using System.Net;
using System.Runtime.InteropServices;

namespace LabTool;

/// <summary>
/// Sends whole Ethernet frames, any header we like, out of one interface: an AF_PACKET raw
/// socket bound to it (root or CAP_NET_RAW). The kernel adds nothing and checks nothing, which is
/// what a forger needs and what the lab's ordinary sockets cannot do.
/// </summary>
sealed class RawLink : IDisposable
{
    const int AfPacket = 17;
    const int SockRaw = 3;
    const ushort EthPAll = 0x0003;

    readonly int _fd;

    RawLink(int fd, MacAddress mac)
    {
        _fd = fd;
        Mac = mac;
    }

    /// <summary>The interface's own MAC.</summary>
    public MacAddress Mac { get; }

    public static RawLink Open(string interfaceName)
    {
        string dir = Path.Combine("/sys/class/net", interfaceName);
        if (interfaceName.Contains('/') || !Directory.Exists(dir)) throw new UsageException($"--interface: no interface '{interfaceName}'");
        int index = int.Parse(File.ReadAllText(Path.Combine(dir, "ifindex")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var mac = MacAddress.Parse(File.ReadAllText(Path.Combine(dir, "address")).Trim(), "interface MAC");
        ushort protocol = (ushort)IPAddress.HostToNetworkOrder((short)EthPAll);
        int fd = Socket(AfPacket, SockRaw, protocol);
        if (fd < 0) throw Failure("socket(AF_PACKET)");
        // struct sockaddr_ll { u16 family; be16 protocol; i32 ifindex; u16 hatype; u8 pkttype; u8 halen; u8 addr[8]; }
        var address = new byte[20];
        BinaryPrimitives.WriteUInt16LittleEndian(address, AfPacket);
        BinaryPrimitives.WriteUInt16LittleEndian(address.AsSpan(2), protocol);
        BinaryPrimitives.WriteInt32LittleEndian(address.AsSpan(4), index);
        if (Bind(fd, address, address.Length) < 0)
        {
            var error = Failure("bind(AF_PACKET)");
            _ = Close(fd);
            throw error;
        }
        return new RawLink(fd, mac);
    }

    public void Send(byte[] frame, int length)
    {
        if (SendFrame(_fd, frame, length, 0) < 0) throw Failure("send");
    }

    public void Dispose() => _ = Close(_fd);

    static IOException Failure(string call)
    {
        int error = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed: {new Win32Exception(error).Message} (errno {error})");
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; these calls are trivial
    [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
    static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "bind", SetLastError = true)]
    static extern int Bind(int fd, byte[] address, int length);

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    static extern nint SendFrame(int fd, byte[] buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int Close(int fd);
#pragma warning restore SYSLIB1054
}

/// <summary>A 48-bit MAC address, as the forger's options give it.</summary>
readonly record struct MacAddress(ulong Value)
{
    public static readonly MacAddress Broadcast = new(0xffff_ffff_ffff);

    public static MacAddress Parse(string text, string option)
    {
        var parts = text.Split(':');
        ulong value = 0;
        if (parts.Length != 6) throw new UsageException($"--{option}: want a MAC like 02:00:00:00:00:01, not '{text}'");
        foreach (var part in parts)
        {
            if (part.Length != 2 || !byte.TryParse(part, System.Globalization.NumberStyles.HexNumber, null, out var b))
                throw new UsageException($"--{option}: want a MAC like 02:00:00:00:00:01, not '{text}'");
            value = value << 8 | b;
        }
        return new MacAddress(value);
    }

    public void Write(Span<byte> destination)
    {
        for (int i = 0; i < 6; i++) destination[i] = (byte)(Value >> (8 * (5 - i)));
    }

    public override string ToString()
    {
        var bytes = new byte[6];
        Write(bytes);
        return string.Join(":", bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}

/// <summary>Ethernet frames for ARP, UDP, TCP and ICMP unreachable over IPv4, with correct checksums.</summary>
static class Frames
{
    public const int ArpLength = 42;
    public const int SynLength = 14 + 20 + 20;

    public static int Arp(byte[] frame, MacAddress ethSrc, MacAddress ethDst, ushort op, MacAddress sha, uint spa, MacAddress tha, uint tpa)
    {
        var f = frame.AsSpan(0, ArpLength);
        Ethernet(f, ethSrc, ethDst, 0x0806);
        var arp = f[14..];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], 0x0800);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], op);
        sha.Write(arp[8..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[14..], spa);
        tha.Write(arp[18..]);
        BinaryPrimitives.WriteUInt32BigEndian(arp[24..], tpa);
        return ArpLength;
    }

    public static int Udp(byte[] frame, MacAddress ethSrc, MacAddress ethDst, uint src, uint dst, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        int udpLength = 8 + payload.Length;
        var f = frame.AsSpan(0, 14 + 20 + udpLength);
        Ethernet(f, ethSrc, ethDst, 0x0800);
        Ipv4(f[14..], src, dst, 17, udpLength);
        var udp = f[34..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], 0);
        payload.CopyTo(udp[8..]);
        ushort sum = TransportChecksum(src, dst, 17, udp[..udpLength]);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], sum == 0 ? (ushort)0xffff : sum);
        return f.Length;
    }

    public const byte TcpSyn = 0x02, TcpRst = 0x04, TcpAck = 0x10;

    public static int Syn(byte[] frame, MacAddress ethSrc, MacAddress ethDst, uint src, uint dst, ushort sourcePort, ushort destinationPort, uint sequence) =>
        Tcp(frame, ethSrc, ethDst, src, dst, sourcePort, destinationPort, sequence, 0, TcpSyn);

    /// <summary>A bare TCP segment (20-byte header, no payload) with the given flags.</summary>
    public static int Tcp(byte[] frame, MacAddress ethSrc, MacAddress ethDst, uint src, uint dst, ushort sourcePort, ushort destinationPort, uint sequence, uint ack, byte flags)
    {
        var f = frame.AsSpan(0, SynLength);
        Ethernet(f, ethSrc, ethDst, 0x0800);
        Ipv4(f[14..], src, dst, 6, 20);
        var tcp = f[34..];
        tcp.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = 5 << 4;     // 20-byte header
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], flags == TcpSyn ? (ushort)64240 : (ushort)0);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], TransportChecksum(src, dst, 6, tcp[..20]));
        return SynLength;
    }

    /// <summary>
    /// ICMP destination unreachable (code 3: port, 1: host) from <paramref name="src"/> to <paramref name="dst"/>,
    /// quoting a UDP datagram from <paramref name="dst"/>:<paramref name="quotedSourcePort"/> to <paramref name="quotedDestination"/>:<paramref name="quotedPort"/>.
    /// </summary>
    public static int Unreachable(byte[] frame, MacAddress ethSrc, MacAddress ethDst, uint src, uint dst, byte code, uint quotedDestination, ushort quotedSourcePort, ushort quotedPort)
    {
        const int IcmpLength = 8 + 20 + 8;
        var f = frame.AsSpan(0, 14 + 20 + IcmpLength);
        Ethernet(f, ethSrc, ethDst, 0x0800);
        Ipv4(f[14..], src, dst, 1, IcmpLength);
        var icmp = f[34..];
        icmp.Clear();
        icmp[0] = 3;
        icmp[1] = code;
        Ipv4(icmp[8..], dst, quotedDestination, 17, 8);
        var udp = icmp[28..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, quotedSourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], quotedPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], 8);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Fold(Sum(icmp, 0)));
        return f.Length;
    }

    static void Ethernet(Span<byte> f, MacAddress src, MacAddress dst, ushort type)
    {
        dst.Write(f);
        src.Write(f[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(f[12..], type);
    }

    static void Ipv4(Span<byte> ip, uint src, uint dst, byte protocol, int payloadLength)
    {
        ip[..20].Clear();
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + payloadLength));
        ip[6] = 0x40;         // don't fragment
        ip[8] = 64;
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Fold(Sum(ip[..20], 0)));
    }

    static ushort TransportChecksum(uint src, uint dst, byte protocol, ReadOnlySpan<byte> segment)
    {
        ulong sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + (ulong)segment.Length;
        return Fold(Sum(segment, sum));
    }

    static ulong Sum(ReadOnlySpan<byte> data, ulong sum)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (ulong)data[i] << 8;
        return sum;
    }

    static ushort Fold(ulong sum)
    {
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
