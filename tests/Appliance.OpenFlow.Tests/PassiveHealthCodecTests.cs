namespace Appliance.OpenFlow.Tests;

/// <summary>What the passive-health codec pieces promise beyond their bytes: forms, lengths, text.</summary>
[TestClass]
public sealed class PassiveHealthCodecTests
{
    private static OfpAction RoundTrip(OfpAction action)
    {
        var list = ActionList.Of(action);
        var bytes = new byte[list.EncodedLength];
        var w = new OfpWriter(bytes);
        list.Write(ref w);
        var r = new OfpReader(bytes, OfpErrorCode.Of(OfpBadActionCode.BadLen));
        var read = ActionList.Read(ref r, bytes.Length);
        Assert.IsTrue(r.Ok, r.Error.ToString());
        Assert.AreEqual(list, read, "the same bytes");
        return read.Single();
    }

    [TestMethod]
    public void ControllerActionTakesTheLongFormOnlyForWhatTheShortCannotSay()
    {
        Assert.AreEqual(NxActionSubtype.Controller, new NxControllerAction().Subtype);
        Assert.AreEqual(16, new NxControllerAction(MaxLen: 128, ControllerId: 4, Reason: OfpPacketInReason.NoMatch).EncodedLength);
        Assert.AreEqual(NxActionSubtype.Controller2, new NxControllerAction(MeterId: 1).Subtype);
        Assert.AreEqual(NxActionSubtype.Controller2, new NxControllerAction(Pause: true).Subtype);
        Assert.AreEqual(NxActionSubtype.Controller2, new NxControllerAction(Userdata: new byte[] { 9 }).Subtype);
        Assert.AreEqual(NxActionSubtype.Controller, (new NxControllerAction(MeterId: 1) with { MeterId = NxControllerAction.NoMeter }).Subtype);
        Assert.AreEqual(16 + 8, new NxControllerAction(MeterId: 1).EncodedLength, "defaults are left out");
        Assert.AreEqual(16 + 8 + 8, new NxControllerAction(MaxLen: 128, MeterId: 1).EncodedLength);
    }

    [TestMethod]
    public void EveryControllerFormReadsBackEqual()
    {
        NxControllerAction[] actions =
        [
            new(),
            new(MaxLen: 128, MeterId: 1),
            new(MaxLen: 0, ControllerId: 65535, Reason: OfpPacketInReason.InvalidTtl, MeterId: OfpMeter.Controller, Userdata: new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, Pause: true),
            new(Userdata: new byte[] { 0xaa, 0xbb, 0xcc, 0xdd }),
        ];
        foreach (var action in actions) Assert.AreEqual(action, RoundTrip(action));
    }

    [TestMethod]
    public void ControllerTwoWithoutExtrasReadsAsTheShortForm()
    {
        // OVS keeps a CONTROLLER2 that carries only max_len; we never write one, and read it as the same action.
        var bytes = Hex.Bytes("ffff 0018 00002320 0025 000000000000  0000 0008 0080 0000");
        var r = new OfpReader(bytes, OfpErrorCode.Of(OfpBadActionCode.BadLen));
        var read = ActionList.Read(ref r, bytes.Length);
        Assert.IsTrue(r.Ok, r.Error.ToString());
        Assert.AreEqual(new NxControllerAction(MaxLen: 128), read.Single());
        Assert.AreNotEqual(ActionList.Of(new NxControllerAction(MaxLen: 128)), read, "the short form is other bytes");
    }

    [TestMethod]
    public void ControllerActionPrintsAsOvsOfctl()
    {
        Assert.AreEqual("controller(max_len=128,meter_id=1)", new NxControllerAction(MaxLen: 128, MeterId: 1).ToString());
        Assert.AreEqual("CONTROLLER:65535", new NxControllerAction().ToString());
        Assert.AreEqual("controller(reason=invalid_ttl,max_len=1234,id=5678,userdata=01.02.03.04.05,pause)",
            new NxControllerAction(1234, 5678, OfpPacketInReason.InvalidTtl, Userdata: new byte[] { 1, 2, 3, 4, 5 }, Pause: true).ToString());
        Assert.AreEqual("apply_actions(controller(max_len=128,meter_id=1))", Sample.PassiveHealthFlow.Instructions.ToString());
    }

    [TestMethod]
    public void TcpFlagsAreAnExperimenterFieldOfTwelveBits()
    {
        Assert.AreEqual(new OxmFieldId(OxmClass.Experimenter, 42, OfpExperimenterId.Onf), OxmFieldId.TcpFlags);
        Assert.AreEqual(8, OxmFieldId.TcpFlags.HeaderLength);
        Assert.AreEqual(10, OxmField.TcpFlags(0x004).EncodedLength);
        Assert.AreEqual(12, OxmField.TcpFlags(0x004, 0x004).EncodedLength);
        Assert.AreEqual(0xffff_5508u, OxmFieldId.TcpFlags.Header(hasMask: true), "oxm_length counts the experimenter id");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OxmField.TcpFlags(0x1000));
        Assert.IsFalse(new OxmFieldId(OxmClass.Experimenter, 42, 0x1234_5678).TryGetInfo(out _));
        Assert.IsFalse(new OxmFieldId(OxmClass.Experimenter, 42).TryGetInfo(out _), "an experimenter field without its experimenter");
        Assert.ThrowsExactly<ArgumentException>(() => new NxRegMoveAction(OxmFieldId.TcpFlags, OxmFieldId.NxReg(0), 12));
    }

    [TestMethod]
    public void MatchesWithExperimenterFieldsArePaddedAndCompareByMeaning()
    {
        Assert.AreEqual(16, Match.Of(OxmField.TcpFlags(0x012)).EncodedLength, "4 + 10, padded");
        Assert.AreEqual(16, Match.Of(OxmField.TcpFlags(0x004, 0x004)).EncodedLength, "4 + 12");
        Assert.AreEqual(24, Match.Of(OxmField.InPort(1), OxmField.TcpFlags(0x004, 0x004)).EncodedLength);
        var fields = new List<OxmField>();
        foreach (var field in Sample.PassiveHealthFlow.Match) fields.Insert(0, field);
        Assert.AreEqual(Sample.PassiveHealthFlow.Match, Match.Of([.. fields]));
        Assert.AreEqual(OxmField.TcpFlags(0x004, 0xffff), OxmField.TcpFlags(0x004), "an all-ones mask is no mask");
        Assert.AreNotEqual(OxmField.TcpFlags(0x004, 0x0fff), OxmField.TcpFlags(0x004), "OVS keeps a 12-bit mask as given");
        Assert.ThrowsExactly<ArgumentException>(() => Match.Of(OxmField.TcpFlags(1), OxmField.TcpFlags(2)));
    }

    [TestMethod]
    public void FieldsPrintAsOvsOfctl()
    {
        Assert.AreEqual("tcp_flags=+rst", OxmField.TcpFlags(0x004, 0x004).ToString());
        Assert.AreEqual("tcp_flags=+syn-ack", OxmField.TcpFlags(0x002, 0x012).ToString());
        Assert.AreEqual("tcp_flags=syn|ack", OxmField.TcpFlags(0x012).ToString());
        Assert.AreEqual("tcp_flags=rst", OxmField.TcpFlags(0x004, 0x0fff).ToString());
        Assert.AreEqual("tcp_flags=0", OxmField.TcpFlags(0).ToString());
        Assert.AreEqual("ct_label=0x0/0x1", OxmField.CtLabel(0, 1).ToString());
        Assert.AreEqual("ct_label=0x1000000000000000000000000000000", OxmField.CtLabel(UInt128.One << 120).ToString());
        Assert.AreEqual("ct_nw_proto=6", OxmField.CtNwProto(6).ToString());
        Assert.AreEqual("ct_tp_dst=80", OxmField.CtTpDst(80).ToString());
        Assert.AreEqual("set_field:0x1->ct_label", new SetFieldAction(OxmField.CtLabel(1)).ToString());
        Assert.AreEqual("ct(commit,zone=5,exec(set_field:0x1->ct_label))", Sample.CtLabelFlow.Instructions.Single() is ApplyActionsInstruction a ? a.Actions.Single().ToString() : "");
    }

    [TestMethod]
    public void CtLabelSetFieldIsTheWholeLabel()
    {
        var action = new SetFieldAction(OxmField.CtLabel(1));
        Assert.AreEqual(24, action.EncodedLength, "4 + NXM header + 16 bytes, no padding left");
        Assert.AreEqual(action, RoundTrip(action));
        Assert.ThrowsExactly<ArgumentException>(() => new SetFieldAction(OxmField.CtLabel(1, 1)));
    }

    [TestMethod]
    public void MeterBandsKeepOnlyWhatTheirTypeCarries()
    {
        Assert.AreEqual(new MeterBand(OfpMeterBandType.Drop, 200, 50), MeterBand.Drop(200, 50));
        Assert.ThrowsExactly<ArgumentException>(() => new MeterBand(OfpMeterBandType.Drop, 1, 1, PrecLevel: 2));
        Assert.ThrowsExactly<ArgumentException>(() => new MeterBand(OfpMeterBandType.DscpRemark, 1, 1, Experimenter: 2));
        var experimenter = new MeterMod(OfpMeterModCommand.Add, OfpMeterFlags.Kbps, 3, [new MeterBand(OfpMeterBandType.Experimenter, 1, 2, Experimenter: 0x00abcdef)]);
        Assert.IsTrue(OfpCodec.TryDecode<MeterMod>(OfpCodec.Encode(experimenter, 1), out var decoded, out var error), error.ToString());
        Assert.AreEqual(experimenter, decoded);
    }

    [TestMethod]
    public void MetersPrintAsOvsOfctl()
    {
        Assert.AreEqual("ADD meter=1 pktps burst bands=type=drop rate=200 burst_size=50", Sample.ServerMeter.ToString());
        Assert.AreEqual("DEL meter=all bands=", new MeterMod(OfpMeterModCommand.Delete, OfpMeterFlags.None, OfpMeter.All, []).ToString());
        Assert.AreEqual("meter=controller kbps bands=type=drop rate=10 type=dscp_remark rate=20 prec_level=1",
            new MeterConfig(OfpMeterFlags.Kbps, OfpMeter.Controller, [MeterBand.Drop(10, 5), new MeterBand(OfpMeterBandType.DscpRemark, 20, 0, 1)]).ToString());
        Assert.IsTrue(OfpPrinter.TryDescribe(OfpCodec.Encode(Sample.ServerMeter, 9), out var text, out _));
        Assert.AreEqual("ADD meter=1 pktps burst bands=type=drop rate=200 burst_size=50", text);
    }

    [TestMethod]
    public void MeterDeleteIgnoresFlagsAsOvsDoes()
    {
        var delete = new MeterMod(OfpMeterModCommand.Delete, OfpMeterFlags.Kbps | OfpMeterFlags.Pktps, 1, []);
        Assert.IsTrue(OfpCodec.TryDecode<MeterMod>(OfpCodec.Encode(delete, 1), out var decoded, out var error), error.ToString());
        Assert.AreEqual(delete, decoded);
    }
}
