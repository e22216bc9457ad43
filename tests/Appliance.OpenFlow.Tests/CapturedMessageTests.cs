using System.Net;

namespace Appliance.OpenFlow.Tests;

/// <summary>What Open vSwitch 3.1 really sent (see Captured/README.md) decodes, strictly and correctly.</summary>
[TestClass]
public sealed class CapturedMessageTests
{
    private static byte[] Captured(string name) =>
        Hex.Bytes(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Captured", name + ".hex")));

    public static IEnumerable<object[]> All =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Captured"), "*.hex").Select(f => new object[] { Path.GetFileNameWithoutExtension(f) });

    [TestMethod]
    [DynamicData(nameof(All))]
    public void EveryCapturedMessageDecodesAndReencodesIdentically(string name)
    {
        var bytes = Captured(name);
        Assert.IsTrue(OfpPrinter.TryDescribe(bytes, out _, out var error), $"{name}: {error}");
    }

    private static T Decode<T>(string name)
        where T : struct, IOfpMessage<T>
    {
        var bytes = Captured(name);
        Assert.IsTrue(OfpCodec.TryDecode<T>(bytes, out var message, out var error), error.ToString());
        var header = OfpHeader.TryRead(bytes, out var h) ? h : default;
        CollectionAssert.AreEqual(bytes, OfpCodec.Encode(message, header.Xid), "re-encoding must give OVS's bytes back");
        return message;
    }

    [TestMethod]
    public void Hello() => Assert.IsTrue(Decode<Hello>("hello").Supports(OfpHeader.Version13));

    [TestMethod]
    public void FeaturesReply()
    {
        var features = Decode<FeaturesReply>("features_reply");
        Assert.AreEqual(0xc0ffeeUL, features.DatapathId);
        Assert.AreEqual((byte)254, features.NTables);
        Assert.IsTrue(features.Capabilities.HasFlag(OfpCapabilities.GroupStats));
    }

    [TestMethod]
    public void PortDescReplyListsBothPortsAndLocal()
    {
        var ports = Decode<PortDescReply>("port_desc_reply").Entries;
        CollectionAssert.AreEquivalent(new[] { 1u, 2u, OfpPort.Local }, ports.Select(p => p.PortNo).ToArray());
        Assert.AreEqual("capv1", ports.Single(p => p.PortNo == 1).Name.ToString());
        Assert.IsTrue(ports.Where(p => p.PortNo != OfpPort.Local).All(p => p.IsLive), "the veths were up");
    }

    [TestMethod]
    public void PortStatusFollowsALinkDownAndUp()
    {
        var first = Decode<PortStatus>("port_status_1");
        var second = Decode<PortStatus>("port_status_2");
        var third = Decode<PortStatus>("port_status_3");
        Assert.AreEqual(OfpPortReason.Modify, first.Reason);
        Assert.AreEqual(1u, first.Desc.PortNo);
        Assert.IsFalse(first.Desc.IsLive, "LIVE cleared is already down");
        Assert.IsTrue(second.Desc.State.HasFlag(OfpPortState.LinkDown));
        Assert.IsFalse(second.Desc.IsLive);
        Assert.IsTrue(third.Desc.IsLive);
    }

    [TestMethod]
    public void FlowStatsReplyHoldsOurRulesByteForByte()
    {
        var flows = Decode<FlowStatsReply>("flow_stats_reply").Entries;
        Assert.AreEqual(6, flows.Count);
        var responder = flows.Single(f => f.Cookie == 0xa5);
        Assert.AreEqual(Sample.ArpForVip, responder.Match);
        Assert.AreEqual(Sample.ArpResponder, responder.Instructions, "what we install is what OVS reports, so reconciliation sees no change");
        var ctReply = flows.Single(f => f.Cookie == 0xc3);
        Assert.AreEqual(
            InstructionList.Apply(new NxConntrackAction(NxConntrackFlags.None, 1, 1, ActionList.Of(new NxNatAction()))),
            ctReply.Instructions);
        var zoneRule = flows.Single(f => f.Cookie == 0xd4);
        Assert.AreEqual(2, zoneRule.TableId);
        Assert.AreEqual(Match.Of(OxmField.EthType(0x0800), OxmField.CtZone(1)), zoneRule.Match);
        Assert.AreEqual(InstructionList.Apply(new OutputAction(OfpPort.Normal)), flows.Single(f => f.Cookie == 0xf).Instructions);
    }

    [TestMethod]
    public void GroupDescReplyHoldsOurFastFailoverGroupByteForByte()
    {
        var group = Decode<GroupDescReply>("group_desc_reply").Entries.Single();
        Assert.AreEqual(new GroupDesc(OfpGroupType.FastFailover, 1, new[] { Sample.MasterBucket, Sample.SlaveBucket }), group);
    }

    [TestMethod]
    public void PacketInCarriesInPortAndTheFrame()
    {
        var packetIn = Decode<PacketIn>("packet_in");
        Assert.AreEqual(2u, packetIn.Match.InPort);
        Assert.AreEqual(0xe5UL, packetIn.Cookie);
        Assert.AreEqual(OfpPacketInReason.Action, packetIn.Reason);
        Assert.AreEqual(44, packetIn.Data.Length);
        Assert.AreEqual(packetIn.TotalLen, packetIn.Data.Length);
    }

    [TestMethod]
    public void ErrorsQuoteTheRefusedRequest()
    {
        var badType = Decode<ErrorMsg>("error_bad_type");
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadType), badType.Code);
        Assert.AreEqual(17u, badType.QuotedHeader!.Value.Xid);
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadLen), Decode<ErrorMsg>("error_bad_len").Code);
        Assert.AreEqual(OfpErrorCode.Of(OfpGroupModFailedCode.UnknownGroup), Decode<ErrorMsg>("error_unknown_group").Code);
    }

    [TestMethod]
    public void StatsReplies()
    {
        Assert.AreEqual(3, Decode<PortStatsReply>("port_stats_reply").Entries.Count);
        Assert.AreEqual(254, Decode<TableStatsReply>("table_stats_reply").Entries.Count);
        Assert.AreEqual(1u, Decode<GroupStatsReply>("group_stats_reply").Entries.Single().GroupId);
        Assert.AreEqual(6u, Decode<AggregateStatsReply>("aggregate_reply").FlowCount);
        Assert.AreEqual("Open vSwitch", Decode<DescReply>("desc_reply").Hardware);
        Assert.AreEqual(OfpControllerRole.Master, Decode<RoleReply>("role_reply").Body.Role);
        Assert.AreEqual(128, Decode<GetConfigReply>("get_config_reply").Config.MissSendLen);
        Assert.AreEqual(0b11u, Decode<GetAsyncReply>("get_async_reply").Config.PacketInMaster);
        Assert.AreEqual("ping", System.Text.Encoding.ASCII.GetString(Decode<EchoReply>("echo_reply").Data.Span));
        Decode<EchoRequest>("echo_request");
        Decode<BarrierReply>("barrier_reply");
    }

    [TestMethod]
    public void NatTargetIsReadBack()
    {
        var bucket = Decode<GroupDescReply>("group_desc_reply").Entries.Single().Buckets[0];
        var ct = (NxConntrackAction)bucket.Actions.ToArray().Single();
        var nat = (NxNatAction)ct.Actions.ToArray().Single();
        Assert.AreEqual(IPAddress.Parse("198.18.0.1"), nat.Ipv4Min);
        Assert.AreEqual(NxNatFlags.Destination, nat.Flags);
        Assert.AreEqual(2, ct.RecircTable);
    }
}
