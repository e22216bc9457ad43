using System.Net;

namespace Appliance.OpenFlow.Tests;

/// <summary>
/// Byte layouts worked out by hand from the OpenFlow 1.3.5 and Open vSwitch structure definitions,
/// independently of the encoder, for the messages the product relies on most.
/// </summary>
[TestClass]
public sealed partial class GoldenBytesTests
{
    private static void AssertEncodes<T>(T message, string hex, uint xid = 0x1234)
        where T : struct, IOfpMessage<T>
    {
        var expected = Hex.Bytes(hex);
        var actual = OfpCodec.Encode(message, xid);
        Assert.AreEqual(Hex.Of(expected), Hex.Of(actual));
        Assert.IsTrue(OfpCodec.TryDecode<T>(expected, out var decoded, out var error), error.ToString());
        Assert.AreEqual(message, decoded);
    }

    [TestMethod]
    public void HelloWithVersionBitmap() => AssertEncodes(Hello.OpenFlow13,
        "04 00 0010 00001234  0001 0008 00000010");

    [TestMethod]
    public void EchoRequestCarriesItsData() => AssertEncodes(new EchoRequest(new byte[] { 1, 2, 3, 4 }),
        "04 02 000c 00001234  01020304");

    [TestMethod]
    public void BarrierRequestIsAHeader() => AssertEncodes(new BarrierRequest(), "04 14 0008 00001234");

    [TestMethod]
    public void FlowModSendingTheVipToAGroup() => AssertEncodes(
        new FlowMod
        {
            Cookie = 0xb1, Priority = 800,
            Match = Match.Of(OxmField.EthType(0x0800), OxmField.Ipv4Dst(IPAddress.Parse("198.18.0.100"))),
            Instructions = InstructionList.Apply(new GroupAction(1)),
        },
        "04 0e 0058 00001234" +
        "00000000000000b1 0000000000000000 00 00 0000 0000 0320 ffffffff ffffffff ffffffff 0000 0000" +
        "0001 0012 80000a02 0800 80001804 c6120064 000000000000" +
        "0004 0010 00000000 0016 0008 00000001");

    [TestMethod]
    public void PacketOutOfAFrameThroughPort1() => AssertEncodes(
        PacketOut.Of(new byte[] { 0xaa, 0xbb }, ActionList.Of(new OutputAction(1))),
        "04 0d 002a 00001234  ffffffff fffffffd 0010 000000000000  0000 0010 00000001 0000 000000000000  aabb");

    [TestMethod]
    public void FastFailoverGroupWatchingPort2() => AssertEncodes(
        new GroupMod(OfpGroupModCommand.Add, OfpGroupType.FastFailover, 1, new[] { new Bucket(ActionList.Of(new OutputAction(2)), WatchPort: 2) }),
        "04 0f 0030 00001234  0000 03 00 00000001  0020 0000 00000002 ffffffff 00000000  0000 0010 00000002 0000 000000000000");

    [TestMethod]
    public void NiciraMoveOfEthSrcToEthDst()
    {
        var actions = ActionList.Of(NxRegMoveAction.Whole(NxmField.EthSrc, NxmField.EthDst));
        AssertEncodes(PacketOut.Of(OfpBytes.Empty, actions),
            "04 0d 0030 00001234  ffffffff fffffffd 0018 000000000000  ffff 0018 00002320 0006 0030 0000 0000 00000406 00000206");
    }

    [TestMethod]
    public void ConntrackCommitWithDestinationNat()
    {
        var ct = new NxConntrackAction(NxConntrackFlags.Commit, 1, 2,
            ActionList.Of(new NxNatAction(NxNatFlags.Destination, IPAddress.Parse("198.18.0.1"))));
        AssertEncodes(PacketOut.Of(OfpBytes.Empty, ActionList.Of(ct)),
            "04 0d 0048 00001234  ffffffff fffffffd 0030 000000000000" +
            "ffff 0030 00002320 0023 0001 00000000 0001 02 000000 0000" +
            "ffff 0018 00002320 0024 0000 0002 0001 c6120001 00000000");
    }

    [TestMethod]
    public void PortStatusLinkDown()
    {
        var desc = Sample.Port1 with { State = OfpPortState.LinkDown };
        AssertEncodes(new PortStatus(OfpPortReason.Modify, desc),
            "04 0c 0050 00001234  02 00000000000000" +
            "00000001 00000000 f29aec475c7c 0000 6c61622d6d6173746572000000000000" +
            "00000000 00000001 00000840 00000000 00000000 00000000 00989680 00000000");
    }

    [TestMethod]
    public void FlowStatsRequestSelectingByCookie() => AssertEncodes(
        new FlowStatsRequest(new FlowSelector { TableId = 0, Cookie = 0xa0, CookieMask = 0xf0 }),
        "04 12 0038 00001234  0001 0000 00000000  00 000000 ffffffff ffffffff 00000000 00000000000000a0 00000000000000f0  0001 0004 00000000");
}
