namespace Appliance.Health.Tests;

[TestClass]
public sealed class ArpPacketTests
{
    private static readonly MacAddress Ours = MacAddress.Parse("02:00:c6:12:07:06");
    private static readonly MacAddress Server = MacAddress.Parse("02:00:c6:12:07:01");

    [TestMethod]
    public void BroadcastRequestHasTheRfc826Layout()
    {
        var frame = new byte[ArpPacket.FrameLength];
        ArpPacket.WriteRequest(frame, Ours, 0xC6120706, 0xC6120701, destination: null);

        Assert.AreEqual(
            "FFFFFFFFFFFF" + "0200C6120706" + "0806" +
            "0001" + "0800" + "06" + "04" + "0001" + "0200C6120706" + "C6120706" + "000000000000" + "C6120701",
            Convert.ToHexString(frame));
    }

    [TestMethod]
    public void UnicastPollGoesToTheKnownMac()
    {
        var frame = new byte[ArpPacket.FrameLength];
        ArpPacket.WriteRequest(frame, Ours, 0xC6120706, 0xC6120701, Server);

        Assert.AreEqual("0200C6120701", Convert.ToHexString(frame, 0, 6));
        Assert.AreEqual("0200C6120701", Convert.ToHexString(frame, 32, 6));
    }

    [TestMethod]
    public void ReplyParsesSenderAndTarget()
    {
        var frame = Convert.FromHexString(
            "0200C6120706" + "0200C6120701" + "0806" +
            "0001" + "0800" + "06" + "04" + "0002" + "0200C6120701" + "C6120701" + "0200C6120706" + "C6120706" + "000000000000000000000000000000000000");

        Assert.IsTrue(ArpPacket.TryParseReply(frame, out uint sender, out var mac, out uint target));
        Assert.AreEqual(0xC6120701u, sender);
        Assert.AreEqual(Server, mac);
        Assert.AreEqual(0xC6120706u, target);
    }

    [TestMethod]
    public void RequestsAndOtherFramesAreNotReplies()
    {
        var request = new byte[ArpPacket.FrameLength];
        ArpPacket.WriteRequest(request, Ours, 0xC6120706, 0xC6120701, null);
        Assert.IsFalse(ArpPacket.TryParseReply(request, out _, out _, out _));
        Assert.IsFalse(ArpPacket.TryParseReply(new byte[20], out _, out _, out _));
        var ipv4 = (byte[])request.Clone();
        ipv4[12] = 0x08;
        ipv4[13] = 0x00;
        Assert.IsFalse(ArpPacket.TryParseReply(ipv4, out _, out _, out _));
    }

    [TestMethod]
    public void AnyArpParsesWithItsOperation()
    {
        // A gratuitous request: the sender asks for its own address, announcing its MAC.
        var announcement = new byte[ArpPacket.FrameLength];
        ArpPacket.WriteRequest(announcement, Server, 0xC6120701, 0xC6120701, null);

        Assert.IsTrue(ArpPacket.TryParse(announcement, out var op, out uint sender, out var mac, out uint target));
        Assert.AreEqual(ArpPacket.RequestOp, op);
        Assert.AreEqual(0xC6120701u, sender);
        Assert.AreEqual(Server, mac);
        Assert.AreEqual(0xC6120701u, target);
        Assert.IsFalse(ArpPacket.TryParse(new byte[20], out _, out _, out _, out _));
    }
}
