using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace LabTool;

/// <summary>
/// labtool forge --type arp-request|arp-reply|udp|tcp-rst|icmp-unreachable [--interface eth0] [--eth-src MAC]
///               [--eth-dst MAC] [--sha MAC] [--spa IP] [--tha MAC] [--tpa IP] [--src IP] [--dst IP]
///               [--sport 40000] [--dport 9] [--quoted IP] [--code 3] [--count 1] [--interval 10ms]
///
/// Sends frames with whatever addresses it is told, as a spoofing office host would: ARP that
/// claims someone else's address (broadcast or unicast, request or reply), IPv4 from someone
/// else's address, any source MAC. Defaults: the interface's own MAC as source, broadcast as
/// destination, ARP sender MAC = source MAC, ARP target = sender address (a gratuitous ARP).
/// The UDP payload says "labtool forge" so the frames are easy to spot in a capture. tcp-rst is a
/// reset with ACK from --src:--sport to --dst:--dport (as a server refusing a connection sends it);
/// icmp-unreachable (--code 3 port, 1 host) from --src to --dst quotes a UDP datagram from
/// --dst:--sport to --quoted:--dport (default --src).
/// </summary>
static class Forge
{
    public static int Run(Options o)
    {
        string type = o.Require("type");
        string name = o.Get("interface") ?? "eth0";
        int count = o.Int("count", 1, 1, 10_000_000);
        var interval = o.Duration("interval", TimeSpan.FromMilliseconds(10));
        string? ethSrcText = o.Get("eth-src");
        var ethDst = o.Get("eth-dst") is { } d ? MacAddress.Parse(d, "eth-dst") : MacAddress.Broadcast;
        string? shaText = o.Get("sha");
        string? spaText = o.Get("spa");
        var tha = o.Get("tha") is { } t ? MacAddress.Parse(t, "tha") : new MacAddress(0);
        string? tpaText = o.Get("tpa");
        string? srcText = o.Get("src");
        string? dstText = o.Get("dst");
        int dport = o.Int("dport", 9, 1, 65535);
        int sport = o.Int("sport", 40000, 1, 65535);
        string? quotedText = o.Get("quoted");
        int code = o.Int("code", 3, 0, 15);
        o.CheckAllUsed();

        using var link = RawLink.Open(name);
        var ethSrc = ethSrcText is null ? link.Mac : MacAddress.Parse(ethSrcText, "eth-src");
        var frame = new byte[1514];
        int length;
        string what;
        switch (type)
        {
            case "arp-request" or "arp-reply":
                var sha = shaText is null ? ethSrc : MacAddress.Parse(shaText, "sha");
                uint spa = Address(spaText ?? throw new UsageException("--spa is required for ARP"), "spa");
                uint tpa = tpaText is null ? spa : Address(tpaText, "tpa");
                ushort op = type == "arp-request" ? (ushort)1 : (ushort)2;
                length = Frames.Arp(frame, ethSrc, ethDst, op, sha, spa, tha, tpa);
                what = $"{type} {Text(spa)} is-at {sha} (to {Text(tpa)}, {ethSrc} -> {ethDst})";
                break;
            case "udp":
                uint src = Address(srcText ?? throw new UsageException("--src is required for udp"), "src");
                uint dst = Address(dstText ?? throw new UsageException("--dst is required for udp"), "dst");
                length = Frames.Udp(frame, ethSrc, ethDst, src, dst, (ushort)sport, (ushort)dport, Encoding.ASCII.GetBytes("labtool forge"));
                what = $"udp {Text(src)} -> {Text(dst)}:{dport} ({ethSrc} -> {ethDst})";
                break;
            case "tcp-rst":
                uint rstSrc = Address(srcText ?? throw new UsageException("--src is required for tcp-rst"), "src");
                uint rstDst = Address(dstText ?? throw new UsageException("--dst is required for tcp-rst"), "dst");
                length = Frames.Tcp(frame, ethSrc, ethDst, rstSrc, rstDst, (ushort)sport, (ushort)dport, 0, 1, Frames.TcpRst | Frames.TcpAck);
                what = $"tcp-rst {Text(rstSrc)}:{sport} -> {Text(rstDst)}:{dport} ({ethSrc} -> {ethDst})";
                break;
            case "icmp-unreachable":
                uint icmpSrc = Address(srcText ?? throw new UsageException("--src is required for icmp-unreachable"), "src");
                uint icmpDst = Address(dstText ?? throw new UsageException("--dst is required for icmp-unreachable"), "dst");
                uint quoted = quotedText is null ? icmpSrc : Address(quotedText, "quoted");
                length = Frames.Unreachable(frame, ethSrc, ethDst, icmpSrc, icmpDst, (byte)code, quoted, (ushort)sport, (ushort)dport);
                what = $"icmp-unreachable code {code} {Text(icmpSrc)} -> {Text(icmpDst)} quoting udp to {Text(quoted)}:{dport} ({ethSrc} -> {ethDst})";
                break;
            default:
                throw new UsageException($"--type must be arp-request, arp-reply, udp, tcp-rst or icmp-unreachable, not '{type}'");
        }

        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            if (i > 0) Pacer.WaitUntil(start + (long)(interval.TotalSeconds * i * Stopwatch.Frequency));
            link.Send(frame, length);
        }
        Console.WriteLine($"forge: sent {count} x {what} on {name}");
        return 0;
    }

    public static uint Address(string text, string option) =>
        IPAddress.TryParse(text, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? BinaryPrimitives.ReadUInt32BigEndian(a.GetAddressBytes())
            : throw new UsageException($"--{option}: want an IPv4 address, not '{text}'");

    static string Text(uint address) => new IPAddress(BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(address) : address).ToString();
}
