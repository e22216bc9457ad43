using System.Buffers.Binary;

namespace Appliance.Pipeline.Tests;

/// <summary>Reading passive health's reports from PACKET_IN: every length is checked, nothing else is taken for a refusal.</summary>
[TestClass]
public sealed class RefusalReportTests
{
    private static readonly ulong Report = Cookies.Of(RuleKind.Refusal, 1);

    private static PacketIn In(byte[] frame, ulong cookie = 0, uint? inPort = 1) => new(
        OfpBuffer.NoBuffer, (ushort)frame.Length, OfpPacketInReason.Action, 8, cookie == 0 ? Report : cookie,
        inPort is { } p ? Match.Of(OxmField.InPort(p)) : Match.Any, new OfpBytes(frame));

    private static byte[] Ipv4(byte protocol, byte[] payload, int optionWords = 0, bool vlan = false)
    {
        var ethernet = vlan ? 18 : 14;
        var header = 20 + optionWords * 4;
        var frame = new byte[ethernet + header + payload.Length];
        if (vlan)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 0x0800);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        }
        frame[ethernet] = (byte)(0x40 | (header / 4));
        frame[ethernet + 9] = protocol;
        payload.CopyTo(frame, ethernet + header);
        return frame;
    }

    private static byte[] Tcp(ushort sourcePort, byte flags)
    {
        var tcp = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        tcp[13] = flags;
        return tcp;
    }

    private static byte[] Unreachable(byte code, ushort datagramPort)
    {
        var icmp = new byte[8 + 20 + 8];
        icmp[0] = 3;
        icmp[1] = code;
        icmp[8] = 0x45;
        icmp[8 + 9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(8 + 20 + 2), datagramPort);
        return icmp;
    }

    [TestMethod]
    public void AResetNamesItsServerAndTheServicesPort()
    {
        Assert.IsTrue(RefusalReport.TryRead(In(Ipv4(6, Tcp(80, 0x14))), out var report));
        Assert.AreEqual(new RefusalReport(1, RefusalKind.TcpReset, 80), report);
        Assert.IsTrue(RefusalReport.TryRead(In(Ipv4(6, Tcp(443, 0x04), optionWords: 3, vlan: true), inPort: 2), out report));
        Assert.AreEqual(new RefusalReport(2, RefusalKind.TcpReset, 443), report);
    }

    [TestMethod]
    public void AnUnreachableNamesTheDatagramsPort()
    {
        Assert.IsTrue(RefusalReport.TryRead(In(Ipv4(1, Unreachable(3, 7))), out var report));
        Assert.AreEqual(new RefusalReport(1, RefusalKind.PortUnreachable, 7), report);
        Assert.IsTrue(RefusalReport.TryRead(In(Ipv4(1, Unreachable(1, 53))), out report));
        Assert.AreEqual(new RefusalReport(1, RefusalKind.HostUnreachable, 53), report);
        // Cut short by the switch: still a refusal, the port unknown.
        var cut = Ipv4(1, Unreachable(3, 7))[..(14 + 20 + 8 + 10)];
        Assert.IsTrue(RefusalReport.TryRead(In(cut), out report));
        Assert.AreEqual((ushort)0, report.Port);
    }

    [TestMethod]
    public void NothingElseIsARefusal()
    {
        Assert.IsFalse(RefusalReport.TryRead(In(Ipv4(6, Tcp(80, 0x12))), out _), "a SYN-ACK");
        Assert.IsFalse(RefusalReport.TryRead(In(Ipv4(1, Unreachable(0, 7))), out _), "network unreachable");
        var echo = Unreachable(3, 7);
        echo[0] = 0;
        Assert.IsFalse(RefusalReport.TryRead(In(Ipv4(1, echo)), out _), "an echo reply");
        Assert.IsFalse(RefusalReport.TryRead(In(Ipv4(17, new byte[8])), out _), "UDP");
        Assert.IsFalse(RefusalReport.TryRead(In(Ipv4(6, Tcp(80, 0x14)), cookie: Cookies.Of(RuleKind.Normal)), out _), "another rule's packet");
        Assert.IsFalse(RefusalReport.TryRead(In(Ipv4(6, Tcp(80, 0x14)), inPort: null), out _), "no in_port");
        var ipv6 = Ipv4(6, Tcp(80, 0x14));
        BinaryPrimitives.WriteUInt16BigEndian(ipv6.AsSpan(12), 0x86dd);
        Assert.IsFalse(RefusalReport.TryRead(In(ipv6), out _));
        var badHeader = Ipv4(6, Tcp(80, 0x14));
        badHeader[14] = 0x44;
        Assert.IsFalse(RefusalReport.TryRead(In(badHeader), out _), "an IPv4 header shorter than 20 bytes");
        badHeader[14] = 0x4f;
        Assert.IsFalse(RefusalReport.TryRead(In(badHeader), out _), "options past the end");
    }

    [TestMethod]
    public void EveryTruncationAndRandomBytesAreSafe()
    {
        var full = Ipv4(6, Tcp(80, 0x14));
        for (var length = 0; length < full.Length; length++)
        {
            var read = RefusalReport.TryRead(In(full[..length]), out _);
            Assert.AreEqual(length >= 14 + 20 + 14, read, $"length {length}");
        }
        var random = new Random(14);
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = new byte[random.Next(0, 120)];
            random.NextBytes(bytes);
            RefusalReport.TryRead(In(bytes), out _);
        }
    }
}
