using System.Buffers.Binary;

namespace Appliance.Health.Tests;

[TestClass]
public sealed class IcmpProbeTests
{
    [TestMethod]
    public async Task LoopbackAnswersEchoRequests()
    {
        await using var probe = IcmpProbe.Open(IPAddress.Loopback);

        var outcome = await probe.ProbeAsync(new ServerTarget("local", IPAddress.Loopback), TcpProbeTests.Deadline(TimeSpan.FromSeconds(2)));

        Assert.IsTrue(outcome.Healthy, outcome.Detail);
        Assert.AreEqual(ProbeDetails.EchoReply, outcome.Detail);
    }

    [TestMethod]
    public async Task ManyOverlappingProbesEachGetTheirOwnReply()
    {
        await using var probe = IcmpProbe.Open(IPAddress.Loopback);
        var targets = new[] { IPAddress.Loopback, IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3") };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            probe.ProbeAsync(new ServerTarget($"s{i}", targets[i % 3]), TcpProbeTests.Deadline(TimeSpan.FromSeconds(2))).AsTask()));

        Assert.IsTrue(outcomes.All(o => o.Healthy), string.Join(", ", outcomes.Select(o => o.Detail)));
    }

    [TestMethod]
    public void ChecksumOfAnEchoRequestVerifies()
    {
        var packet = new byte[16];
        int length = IcmpPacket.WriteEchoRequest(packet, 0x1234, 7, [1, 2, 3, 4, 5, 6, 7, 8]);

        Assert.AreEqual(16, length);
        Assert.AreEqual(0, IcmpPacket.Checksum(packet)); // a correct checksum sums to zero
        Assert.AreEqual(IcmpPacket.EchoRequest, packet[0]);
    }

    [TestMethod]
    public void EchoReplyMatchesOnIdentifierAndSequence()
    {
        var reply = Ipv4Datagram(source: 0xC6120701, IcmpEcho(type: 0, identifier: 0x4242, sequence: 9));

        Assert.IsTrue(IcmpPacket.TryParse(reply, 0x4242, out var received));
        Assert.IsTrue(received.IsReply);
        Assert.AreEqual(0xC6120701u, received.Peer);
        Assert.AreEqual((ushort)9, received.Sequence);
        Assert.IsFalse(IcmpPacket.TryParse(reply, 0x4243, out _), "another program's ping");
    }

    [TestMethod]
    public void UnreachableQuotingOurRequestFailsThatRequest()
    {
        // A router (or our own kernel) says host unreachable, quoting our request to 198.18.7.1.
        var quoted = Ipv4Datagram(source: 0xC6120706, IcmpEcho(type: 8, identifier: 0x4242, sequence: 3), destination: 0xC6120701);
        var error = new byte[8 + quoted.Length];
        error[0] = IcmpPacket.DestinationUnreachable;
        error[1] = 1;
        quoted.CopyTo(error, 8);
        var datagram = Ipv4Datagram(source: 0xC6120706, error);

        Assert.IsTrue(IcmpPacket.TryParse(datagram, 0x4242, out var received));
        Assert.IsFalse(received.IsReply);
        Assert.AreEqual(0xC6120701u, received.Peer);
        Assert.AreEqual((ushort)3, received.Sequence);
        Assert.AreEqual("ICMP host unreachable", IcmpPacket.Describe(received.Type, received.Code));
        Assert.AreEqual("ICMP port unreachable", IcmpPacket.Describe(3, 3));
    }

    [TestMethod]
    public void TruncatedAndForeignPacketsAreIgnored()
    {
        Assert.IsFalse(IcmpPacket.TryParse([], 1, out _));
        Assert.IsFalse(IcmpPacket.TryParse(new byte[19], 1, out _));
        var udp = Ipv4Datagram(1, new byte[8]);
        udp[9] = 17;
        Assert.IsFalse(IcmpPacket.TryParse(udp, 1, out _));
    }

    private static byte[] IcmpEcho(byte type, ushort identifier, ushort sequence)
    {
        var icmp = new byte[16];
        icmp[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        return icmp;
    }

    private static byte[] Ipv4Datagram(uint source, byte[] payload, uint destination = 0xC6120706)
    {
        var datagram = new byte[20 + payload.Length];
        datagram[0] = 0x45;
        datagram[9] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(16), destination);
        payload.CopyTo(datagram, 20);
        return datagram;
    }
}
