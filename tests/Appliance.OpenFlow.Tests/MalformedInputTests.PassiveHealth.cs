using System.Buffers.Binary;

namespace Appliance.OpenFlow.Tests;

/// <summary>Malformed meters, controller actions and experimenter fields, refused with the codes Open vSwitch uses.</summary>
public sealed partial class MalformedInputTests
{
    private static OfpErrorCode Refused<T>(byte[] bytes)
        where T : struct, IOfpMessage<T>
    {
        Assert.IsFalse(OfpCodec.TryDecode<T>(bytes, out _, out var error), "decoded a malformed message");
        Assert.IsFalse(OfpPrinter.TryDescribe(bytes, out _, out var printerError));
        Assert.AreEqual(error.Code, printerError.Code);
        return error.Code;
    }

    private static byte[] Encoded<T>(T message, Action<byte[]> patch)
        where T : IOfpMessage
    {
        var bytes = OfpCodec.Encode(message, 1);
        patch(bytes);
        return bytes;
    }

    private static readonly OfpErrorCode BadRequestLen = OfpErrorCode.Of(OfpBadRequestCode.BadLen);

    // Offsets inside the encoded ServerMeter: ofp_meter_mod is 16 bytes, the band follows.
    private const int Band = 16;

    [TestMethod]
    public void MeterBandLengthNotSixteen() =>
        Assert.AreEqual(BadRequestLen, Refused<MeterMod>(Encoded(Sample.ServerMeter, b => b[Band + 3] = 24)));

    [TestMethod]
    public void MeterBandOfUnknownType()
    {
        // tests/ofp-print.at, "OFPT_METER_MOD request - bad band - OF1.3": band type 5.
        var bytes = Hex.Bytes("04 1d 00 20 85 01 d7 38 00 00 00 00 00 00 00 01 00 05 00 10 00 00 00 02 00 00 00 02 00 00 00 00");
        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.BadBand), Refused<MeterMod>(bytes));
    }

    [TestMethod]
    public void MeterModOfUnknownCommand() =>
        // tests/ofp-print.at, "OFPT_METER_MOD request - bad command - OF1.3".
        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.BadCommand), Refused<MeterMod>(Hex.Bytes("04 1d 00 10 28 a6 26 52 00 08 00 00 00 00 00 01")));

    [TestMethod]
    public void MeterInKbpsAndPktpsAtOnce()
    {
        // tests/ofp-print.at, "OFPT_METER_MOD request - bad flags - OF1.3".
        var bytes = Hex.Bytes("04 1d 00 20 82 b3 a1 a4 00 00 00 03 00 00 00 01 00 01 00 10 00 00 00 02 00 00 00 02 00 00 00 00");
        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.BadFlags), Refused<MeterMod>(bytes));
        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.BadFlags), Refused<MeterMod>(Encoded(Sample.ServerMeter, b => b[11] = 0x16)), "a flag no datapath knows");
    }

    [TestMethod]
    public void BytesAfterTheLastBand()
    {
        var bytes = new byte[OfpCodec.EncodedLength(Sample.ServerMeter) + 8];
        OfpCodec.Encode(Sample.ServerMeter, 1, bytes);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)bytes.Length);
        Assert.AreEqual(BadRequestLen, Refused<MeterMod>(bytes));
    }

    [TestMethod]
    public void MeterConfigEntriesThatLie()
    {
        var reply = MeterConfigReply.FromEntries([new MeterConfig(OfpMeterFlags.Pktps, 1, [MeterBand.Drop(10, 0)])]);
        const int entry = 16;
        Assert.AreEqual(BadRequestLen, Refused<MeterConfigReply>(Encoded(reply, b => b[entry + 1] = 0x20)), "entry longer than the reply");
        Assert.AreEqual(BadRequestLen, Refused<MeterConfigReply>(Encoded(reply, b => b[entry + 1] = 0x10)), "entry cutting its band in two");
        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.BadBand), Refused<MeterConfigReply>(Encoded(reply, b => b[entry + 9] = 7)));
    }

    [TestMethod]
    public void MeterStatsEntryLengthThatLies()
    {
        var reply = MeterStatsReply.FromEntries([new MeterStats(1, 1, 2, 3, 4, 5, [new MeterBandStats(6, 7)])]);
        const int length = 16 + 4;
        Assert.AreEqual(BadRequestLen, Refused<MeterStatsReply>(Encoded(reply, b => b[length + 1] = 0)));
        Assert.AreEqual(BadRequestLen, Refused<MeterStatsReply>(Encoded(reply, b => b[length + 1] = 48)), "a band counter cut in two");
    }

    // A FLOW_MOD matching everything whose one action is controller(max_len=128,meter_id=1): the action
    // starts after the empty match (8 bytes) and the instruction header, its properties after its 16 bytes.
    private static readonly FlowMod MeteredController = new() { Instructions = InstructionList.Apply(new NxControllerAction(MaxLen: 128, MeterId: 1)) };
    private const int Controller2 = MatchOffset + 8 + 8;
    private const int MaxLenProperty = Controller2 + 16;
    private const int MeterProperty = MaxLenProperty + 8;

    [TestMethod]
    public void MeteredControllerTemplateIsWhereTheTestsExpect()
    {
        var bytes = OfpCodec.Encode(MeteredController, 1);
        Assert.AreEqual(0x25, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(Controller2 + 8)), "NXAST_CONTROLLER2");
        Assert.AreEqual(0x0005_0008u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(MeterProperty)), "NXAC2PT_METER_ID");
    }

    [TestMethod]
    public void ControllerPropertyRunningPastTheAction() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpTableFeaturesFailedCode.BadLen), DecodeFlowMod(Encoded(MeteredController, b => b[MaxLenProperty + 3] = 24)).Code);

    [TestMethod]
    public void ControllerPropertyLengthOverflow() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpTableFeaturesFailedCode.BadLen),
            DecodeFlowMod(Encoded(MeteredController, b => BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(MaxLenProperty + 2), 0xfff8))).Code);

    [TestMethod]
    public void ControllerPropertyShorterThanItsHeader() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpTableFeaturesFailedCode.BadLen), DecodeFlowMod(Encoded(MeteredController, b => b[MaxLenProperty + 3] = 2)).Code);

    [TestMethod]
    public void ControllerMeterPropertyOfTheWrongSize() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpTableFeaturesFailedCode.BadLen), DecodeFlowMod(Encoded(MeteredController, b => b[MeterProperty + 3] = 6)).Code);

    [TestMethod]
    public void ControllerPropertyOfUnknownType() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpTableFeaturesFailedCode.BadType), DecodeFlowMod(Encoded(MeteredController, b => b[MaxLenProperty + 1] = 9)).Code);

    [TestMethod]
    public void Controller2PaddingNotZero() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadArgument), DecodeFlowMod(Encoded(MeteredController, b => b[Controller2 + 12] = 1)).Code);

    [TestMethod]
    public void ShortControllerActionOfTheWrongLength() =>
        // The 32-byte CONTROLLER2 renamed NXAST_CONTROLLER, which is 16 bytes.
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadLen), DecodeFlowMod(Encoded(MeteredController, b => b[Controller2 + 9] = 0x14)).Code);

    [TestMethod]
    public void ControllerPropertyPaddingAndLongerSmallValuesAreAccepted()
    {
        // OVS reads 16-bit properties forgivingly (a payload at least 2 bytes) and ignores padding bytes.
        var bytes = Encoded(MeteredController, b => b[MaxLenProperty + 7] = 0xee);
        Assert.IsTrue(OfpCodec.TryDecode<FlowMod>(bytes, out var decoded, out var error), error.ToString());
        Assert.AreEqual(new NxControllerAction(MaxLen: 128, MeterId: 1), decoded.Instructions.OfType<ApplyActionsInstruction>().Single().Actions.Single());
    }

    // A FLOW_MOD matching tcp_flags=+rst alone: the 8-byte experimenter header, then value and mask.
    private static readonly FlowMod ResetsOnly = new() { Match = Match.Of(OxmField.TcpFlags(0x004, 0x004)) };
    private const int TcpFlagsValue = FirstOxm + 8;

    [TestMethod]
    public void UnknownExperimenterField() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadField), DecodeFlowMod(Encoded(ResetsOnly, b => b[FirstOxm + 4] = 0x12)).Code);

    [TestMethod]
    public void UnknownFieldOfAKnownExperimenter() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadField), DecodeFlowMod(Encoded(ResetsOnly, b => b[FirstOxm + 2] = (7 << 1) | 1)).Code);

    [TestMethod]
    public void ExperimenterLengthShorterThanItsId() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadLen), DecodeFlowMod(Encoded(ResetsOnly, b => b[FirstOxm + 3] = 2)).Code);

    [TestMethod]
    public void ExperimenterLengthWrongForTheField() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadLen), DecodeFlowMod(Encoded(ResetsOnly, b => b[FirstOxm + 3] = 6)).Code);

    [TestMethod]
    public void ExperimenterHeaderCutBeforeItsId() =>
        // The match claims only the first 4 bytes of the 12-byte field.
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadLen), DecodeFlowMod(Encoded(ResetsOnly, b => b[MatchOffset + 3] = 8)).Code);

    [TestMethod]
    public void TcpFlagsBeyondTwelveBits() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadValue), DecodeFlowMod(Encoded(ResetsOnly, b => { b[TcpFlagsValue] = 0x10; b[TcpFlagsValue + 2] = 0x10; })).Code);
}
