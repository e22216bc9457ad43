namespace Appliance.OpenFlow.Tests;

/// <summary>
/// Passive health's messages in Open vSwitch's own encoding: bytes <c>ovs-ofctl</c> 3.1.0 sent for
/// the same flows and meter (captured from a raw socket standing in for the switch), and hex from
/// OVS's test suite (<c>tests/ofp-actions.at</c>, <c>tests/ofp-print.at</c>). Equal bytes both ways
/// is what makes a flow dump compare equal to what the reconciler installed.
/// </summary>
public sealed partial class GoldenBytesTests
{
    private static void AssertActionEncodes(OfpAction action, string hex)
    {
        var expected = Hex.Bytes(hex);
        var list = ActionList.Of(action);
        var actual = new byte[list.EncodedLength];
        var w = new OfpWriter(actual);
        list.Write(ref w);
        Assert.AreEqual(Hex.Of(expected), Hex.Of(actual));
        var r = new OfpReader(expected, OfpErrorCode.Of(OfpBadActionCode.BadLen));
        var decoded = ActionList.Read(ref r, expected.Length);
        Assert.IsTrue(r.Ok, r.Error.ToString());
        Assert.AreEqual(action, decoded.Single());
    }

    // ovs-ofctl -O OpenFlow13 add-flow "table=8,priority=10,tcp,in_port=1,tcp_flags=+rst,ct_state=+trk+rpl,ct_nw_proto=6,
    // ct_tp_dst=80,ct_label=0x0/0x1,actions=controller(max_len=128,meter_id=1)": the match in OVS's order, tcp_flags
    // as ONFOXM_ET_TCP_FLAGS (class 0xffff, experimenter 0x4f4e4600, field 42), the action as NXAST_CONTROLLER2.
    [TestMethod]
    public void PassiveHealthFlowAsOvsOfctlWritesIt() => AssertEncodes(
        new FlowMod
        {
            TableId = 8, Priority = 10,
            Match = Match.Of(
                OxmField.InPort(1), OxmField.EthType(0x0800), OxmField.IpProto(6), OxmField.TcpFlags(0x004, 0x004),
                OxmField.CtState(0x28, 0x28), OxmField.CtLabel(0, 1), OxmField.CtNwProto(6), OxmField.CtTpDst(80)),
            Instructions = InstructionList.Apply(new NxControllerAction(MaxLen: 128, MeterId: 1)),
        },
        "04 0e 00b8 00000002" +
        "0000000000000000 0000000000000000 08 00 0000 0000 000a ffffffff ffffffff ffffffff 0000 0000" +
        "0001 005e  80000004 00000001  80000a02 0800  80001401 06  ffff5508 4f4e4600 0004 0004" +
        "0001d308 00000028 00000028  0001d920 00000000000000000000000000000000 00000000000000000000000000000001" +
        "0001ee01 06  0001fa02 0050  0000" +
        "0004 0028 00000000  ffff 0020 00002320 0025 000000000000  0000 0008 0080 0000  0005 0008 00000001",
        xid: 2);

    // ovs-ofctl add-flow "table=8,priority=10,ip,in_port=2,actions=ct(commit,zone=5,exec(set_field:0x1->ct_label))":
    // the label is an OFPAT_SET_FIELD of NXM_NX_CT_LABEL nested in NXAST_CT, as ct_mark is.
    [TestMethod]
    public void CtLabelSetOnCommitAsOvsOfctlWritesIt() => AssertEncodes(
        new FlowMod
        {
            TableId = 8, Priority = 10,
            Match = Match.Of(OxmField.InPort(2), OxmField.EthType(0x0800)),
            Instructions = InstructionList.Apply(
                new NxConntrackAction(NxConntrackFlags.Commit, 5, NxConntrackAction.NoRecirc, ActionList.Of(new SetFieldAction(OxmField.CtLabel(1))))),
        },
        "04 0e 0080 00000002" +
        "0000000000000000 0000000000000000 08 00 0000 0000 000a ffffffff ffffffff ffffffff 0000 0000" +
        "0001 0012  80000004 00000002  80000a02 0800  000000000000" +
        "0004 0038 00000000  ffff 0030 00002320 0023 0001 00000000 0005 ff 000000 0000" +
        "0019 0018 0001d810 00000000000000000000000000000001",
        xid: 2);

    // ovs-ofctl add-meter "meter=1,pktps,burst,band=type=drop,rate=200,burst_size=50".
    [TestMethod]
    public void ServerMeterAsOvsOfctlWritesIt() => AssertEncodes(
        Sample.ServerMeter,
        "04 1d 0020 00000002  0000 0006 00000001  0001 0010 000000c8 00000032 00000000",
        xid: 2);

    // ovs-ofctl add-flow "priority=5,actions=controller(reason=invalid_ttl,max_len=1234,id=5678),
    // controller(reason=no_match,id=3,userdata=01.02,pause,meter_id=7),controller(max_len=128)": the short form
    // without a meter, CONTROLLER2 with only the properties that are not defaults, and plain output:CONTROLLER.
    [TestMethod]
    public void ControllerActionsAsOvsOfctlWritesThem() => AssertEncodes(
        new FlowMod
        {
            Priority = 5,
            Instructions = InstructionList.Apply(
                new NxControllerAction(1234, 5678, OfpPacketInReason.InvalidTtl),
                new NxControllerAction(ControllerId: 3, Reason: OfpPacketInReason.NoMatch, MeterId: 7, Userdata: new byte[] { 1, 2 }, Pause: true),
                new OutputAction(OfpPort.Controller, 128)),
        },
        "04 0e 0098 00000002" +
        "0000000000000000 0000000000000000 00 00 0000 0000 0005 ffffffff ffffffff ffffffff 0000 0000" +
        "0001 0004 00000000" +
        "0004 0060 00000000" +
        "ffff 0010 00002320 0014 04d2 162e 02 00" +
        "ffff 0038 00002320 0025 000000000000  0001 0008 0003 0000  0002 0005 00 000000  0003 0006 0102 0000  0004 0004 00000000  0005 0008 00000007" +
        "0000 0010 fffffffd 0080 000000000000",
        xid: 2);

    // tests/ofp-actions.at: "actions=controller(reason=invalid_ttl,max_len=1234,id=5678)".
    [TestMethod]
    public void NxControllerShortFormFromOvsTests() => AssertActionEncodes(
        new NxControllerAction(1234, 5678, OfpPacketInReason.InvalidTtl),
        "ffff 0010 00002320 0014 04d2 162e 02 00");

    // tests/ofp-actions.at: "actions=controller(reason=invalid_ttl,max_len=1234,id=5678,userdata=01.02.03.04.05,pause)".
    [TestMethod]
    public void NxController2WithUserdataAndPauseFromOvsTests() => AssertActionEncodes(
        new NxControllerAction(1234, 5678, OfpPacketInReason.InvalidTtl, Userdata: new byte[] { 1, 2, 3, 4, 5 }, Pause: true),
        "ffff 0040 00002320 0025 000000000000" +
        "0000 0008 04d2 0000  0001 0008 162e 0000  0002 0005 02 000000  0003 0009 0102030405 00000000000000  0004 0004 00000000");

    [TestMethod]
    public void ExactTcpFlagsHaveNoMask() => AssertEncodes(
        new FlowMod { Match = Match.Of(OxmField.EthType(0x0800), OxmField.IpProto(6), OxmField.TcpFlags(0x012)) },
        "04 0e 0050 00001234" +
        "0000000000000000 0000000000000000 00 00 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000" +
        "0001 0019  80000a02 0800  80001401 06  ffff5406 4f4e4600 0012  00000000000000");

    // tests/ofp-print.at, "OFPT_METER_MOD request - OF1.3".
    [TestMethod]
    public void MeterModFromOvsTests() => AssertEncodes(
        new MeterMod(OfpMeterModCommand.Add, OfpMeterFlags.Kbps | OfpMeterFlags.Burst | OfpMeterFlags.Stats, 5, [MeterBand.Drop(1024, 128)]),
        "04 1d 00 20 00 00 00 02 00 00 00 0d 00 00 00 05 00 01 00 10 00 00 04 00 00 00 00 80 00 00 00 00",
        xid: 2);

    // tests/ofp-print.at, "OFPST_METER_CONFIG request - OF1.3".
    [TestMethod]
    public void MeterConfigRequestFromOvsTests() => AssertEncodes(
        new MeterConfigRequest { MeterId = 1 }, "0412001800000002000a0000000000000000000100000000", xid: 2);

    // tests/ofp-print.at, "OFPST_METER_CONFIG reply - OF1.3".
    [TestMethod]
    public void MeterConfigReplyFromOvsTests() => AssertEncodes(
        new MeterConfigReply(OfpMultipartFlags.None,
        [
            new MeterConfig(OfpMeterFlags.Kbps | OfpMeterFlags.Burst, 1, [MeterBand.Drop(65536, 1280), new MeterBand(OfpMeterBandType.DscpRemark, 1048576, 61440)]),
            new MeterConfig(OfpMeterFlags.Kbps | OfpMeterFlags.Stats, 2, [MeterBand.Drop(131072, 0)]),
        ]),
        "04 13 00 50 00 00 00 02 00 0a 00 00 00 00 00 00" +
        "00 28 00 05 00 00 00 01" +
        "00 01 00 10 00 01 00 00 00 00 05 00 00 00 00 00" +
        "00 02 00 10 00 10 00 00 00 00 f0 00 00 00 00 00" +
        "00 18 00 09 00 00 00 02" +
        "00 01 00 10 00 02 00 00 00 00 00 00 00 00 00 00",
        xid: 2);

    // tests/ofp-print.at, "OFPST_METER_FEATURES request/reply - OF1.3".
    [TestMethod]
    public void MeterFeaturesFromOvsTests()
    {
        AssertEncodes(new MeterFeaturesRequest(), "0412001000000002000b000000000000", xid: 2);
        AssertEncodes(
            new MeterFeaturesReply(new MeterFeatures(65536, 0b110, OfpMeterFlags.Kbps | OfpMeterFlags.Pktps | OfpMeterFlags.Burst | OfpMeterFlags.Stats, 16, 2)),
            "04 13 00 20 00 00 00 02 00 0b 00 00 00 00 00 00 00 01 00 00 00 00 00 06 00 00 00 0F 10 02 00 00",
            xid: 2);
    }

    // tests/ofp-print.at, "OFPST_METER request/reply - OF1.3": the entry's length comes after the meter id.
    [TestMethod]
    public void MeterStatsFromOvsTests()
    {
        AssertEncodes(new MeterStatsRequest { MeterId = 1 }, "041200180000000200090000000000000000000100000000", xid: 2);
        AssertEncodes(
            new MeterStatsReply(OfpMultipartFlags.None,
            [
                new MeterStats(1, 5, 4096, 143360, 394, 174990148, [new MeterBandStats(126, 13363), new MeterBandStats(231, 37934)]),
                new MeterStats(2, 2, 512, 12288, 391, 170094148, [new MeterBandStats(42, 1075)]),
            ]),
            "04 13 00 90 00 00 00 02 00 09 00 00 00 00 00 00" +
            "00 00 00 01 00 48 00 00 00 00 00 00 00 00 00 05" +
            "00 00 00 00 00 00 10 00 00 00 00 00 00 02 30 00" +
            "00 00 01 8a 0a 6e 23 44" +
            "00 00 00 00 00 00 00 7e 00 00 00 00 00 00 34 33" +
            "00 00 00 00 00 00 00 e7 00 00 00 00 00 00 94 2e" +
            "00 00 00 02 00 38 00 00 00 00 00 00 00 00 00 02" +
            "00 00 00 00 00 00 02 00 00 00 00 00 00 00 30 00" +
            "00 00 01 87 0a 23 6e 44" +
            "00 00 00 00 00 00 00 2a 00 00 00 00 00 00 04 33",
            xid: 2);
    }
}
