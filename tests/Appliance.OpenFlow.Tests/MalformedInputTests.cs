using System.Buffers.Binary;
using System.Net;

namespace Appliance.OpenFlow.Tests;

/// <summary>Every way a message can be wrong gives the typed error the switch itself would send.</summary>
[TestClass]
public sealed partial class MalformedInputTests
{
    private static readonly FlowMod Template = new()
    {
        Match = Match.Of(OxmField.InPort(1), OxmField.EthType(0x0800), OxmField.Ipv4Dst(IPAddress.Parse("198.18.0.100"))),
        Instructions = InstructionList.Apply(new OutputAction(2)),
    };

    // Offsets inside the encoded Template.
    private const int MatchOffset = 48;
    private const int FirstOxm = MatchOffset + 4;
    private const int InstructionsOffset = MatchOffset + 32;
    private const int FirstAction = InstructionsOffset + 8;

    private static OfpDecodeError DecodeFlowMod(byte[] bytes)
    {
        Assert.IsFalse(OfpCodec.TryDecode<FlowMod>(bytes, out _, out var error), "decoded a malformed message");
        Assert.IsFalse(OfpPrinter.TryDescribe(bytes, out _, out var printerError));
        Assert.AreEqual(error.Code, printerError.Code);
        return error;
    }

    private static byte[] Patched(Action<byte[]> patch)
    {
        var bytes = OfpCodec.Encode(Template, 1);
        patch(bytes);
        return bytes;
    }

    [TestMethod]
    public void TemplateIsValid()
    {
        var bytes = OfpCodec.Encode(Template, 1);
        Assert.IsTrue(OfpCodec.TryDecode<FlowMod>(bytes, out var decoded, out _));
        Assert.AreEqual(Template, decoded);
        Assert.AreEqual(0x80000000u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(FirstOxm)) & 0xffff0000, "first OXM where the tests expect it");
        Assert.AreEqual((ushort)OfpInstructionType.ApplyActions, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(InstructionsOffset)));
    }

    [TestMethod]
    public void HeaderLengthLongerThanTheBytes() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadLen),
            DecodeFlowMod(Patched(b => BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)(b.Length + 8)))).Code);

    [TestMethod]
    public void HeaderLengthShorterThanTheBytes() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadLen),
            DecodeFlowMod(Patched(b => BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)(b.Length - 8)))).Code);

    [TestMethod]
    public void WrongVersion() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadVersion), DecodeFlowMod(Patched(b => b[0] = 0x01)).Code);

    [TestMethod]
    public void UnknownMessageType()
    {
        var bytes = Hex.Bytes("04 63 0008 00000001");
        Assert.IsFalse(OfpPrinter.TryDescribe(bytes, out _, out var error));
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadType), error.Code);
    }

    [TestMethod]
    public void UnknownMultipartType()
    {
        var bytes = Hex.Bytes("04 12 0010 00000001 0063 0000 00000000");
        Assert.IsFalse(OfpPrinter.TryDescribe(bytes, out _, out var error));
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadMultipart), error.Code);
        Assert.IsFalse(OfpCodec.TryDecode<DescRequest>(bytes, out _, out error));
        Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadMultipart), error.Code);
    }

    [TestMethod]
    public void BadCommand() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpFlowModFailedCode.BadCommand), DecodeFlowMod(Patched(b => b[25] = 9)).Code);

    [TestMethod]
    public void MatchTypeNotOxm() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadType), DecodeFlowMod(Patched(b => b[MatchOffset + 1] = 0)).Code);

    [TestMethod]
    public void MatchLengthRunningPastTheMessage() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadLen),
            DecodeFlowMod(Patched(b => BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(MatchOffset + 2), 400))).Code);

    [TestMethod]
    public void UnknownOxmField() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadField), DecodeFlowMod(Patched(b => b[FirstOxm + 2] = 0x7f << 1)).Code);

    [TestMethod]
    public void OxmLengthWrongForTheField() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadLen), DecodeFlowMod(Patched(b => b[FirstOxm + 3] = 2)).Code);

    [TestMethod]
    public void MaskOnAnUnmaskableField() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadMask), DecodeFlowMod(Patched(b => { b[FirstOxm + 2] |= 1; b[FirstOxm + 3] = 8; })).Code);

    [TestMethod]
    public void DuplicateField() =>
        // The third TLV (ipv4_dst, 4 bytes) follows in_port (8 bytes) and eth_type (6 bytes); renaming it
        // to field 0, also 4 bytes wide, makes a second in_port.
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.DupField), DecodeFlowMod(Patched(b => b[FirstOxm + 14 + 2] = 0)).Code);

    [TestMethod]
    public void ValueBitsOutsideTheMask()
    {
        var masked = new FlowMod { Match = Match.Of(OxmField.EthType(0x0800), OxmField.Ipv4Dst(IPAddress.Parse("198.18.0.0"), 24)) };
        var bytes = OfpCodec.Encode(masked, 1);
        bytes[FirstOxm + 6 + 4 + 3] = 0x01; // last value byte, masked out by /24
        Assert.AreEqual(OfpErrorCode.Of(OfpBadMatchCode.BadWildcards), DecodeFlowMod(bytes).Code);
    }

    [TestMethod]
    public void ActionLengthNotAMultipleOfEight() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadLen), DecodeFlowMod(Patched(b => b[FirstAction + 3] = 12)).Code);

    [TestMethod]
    public void ActionLengthPastTheList() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadLen), DecodeFlowMod(Patched(b => b[FirstAction + 3] = 24)).Code);

    [TestMethod]
    public void UnknownActionType() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadType), DecodeFlowMod(Patched(b => b[FirstAction + 1] = 99)).Code);

    [TestMethod]
    public void OutputToPortZero() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadOutPort), DecodeFlowMod(Patched(b => b[FirstAction + 7] = 0)).Code);

    [TestMethod]
    public void UnknownExperimenterAction()
    {
        var bytes = OfpCodec.Encode(new FlowMod { Instructions = InstructionList.Apply(NxRegMoveAction.Whole(NxmField.EthSrc, NxmField.EthDst)) }, 1);
        const int action = MatchOffset + 8 + 8;
        bytes[action + 7] = 0x21;
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadExperimenter), DecodeFlowMod(bytes).Code);
        bytes[action + 7] = 0x20;
        bytes[action + 9] = 0x77;
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadExpType), DecodeFlowMod(bytes).Code);
    }

    [TestMethod]
    public void UnknownInstruction() =>
        Assert.AreEqual(OfpErrorCode.Of(OfpBadInstructionCode.UnknownInst), DecodeFlowMod(Patched(b => b[InstructionsOffset + 1] = 9)).Code);

    [TestMethod]
    public void DuplicateInstruction()
    {
        var goto1 = new GotoTableInstruction(1);
        var once = OfpCodec.Encode(new FlowMod { Instructions = InstructionList.Of(goto1) }, 1);
        var twice = new byte[once.Length + 8];
        once.CopyTo(twice, 0);
        once.AsSpan(once.Length - 8).CopyTo(twice.AsSpan(once.Length));
        BinaryPrimitives.WriteUInt16BigEndian(twice.AsSpan(2), (ushort)twice.Length);
        Assert.AreEqual(OfpErrorCode.Of(OfpBadInstructionCode.UnsupInst), DecodeFlowMod(twice).Code);
    }

    [TestMethod]
    public void BucketLengthThatLies()
    {
        var group = new GroupMod(OfpGroupModCommand.Add, OfpGroupType.FastFailover, 1, new[] { new Bucket(ActionList.Of(new OutputAction(2)), 2) });
        var bytes = OfpCodec.Encode(group, 1);
        bytes[16 + 1] = 0x40; // bucket claims 64 bytes, 32 are there
        Assert.IsFalse(OfpCodec.TryDecode<GroupMod>(bytes, out _, out var error));
        Assert.AreEqual(OfpErrorCode.Of(OfpGroupModFailedCode.BadBucket), error.Code);
    }

    [TestMethod]
    public void ErrorOffsetPointsAtTheBadField()
    {
        var error = DecodeFlowMod(Patched(b => b[FirstAction + 1] = 99));
        Assert.AreEqual(FirstAction + 4, error.Offset, error.ToString());
        StringAssert.Contains(error.What, "ofp_action_header.type");
    }
}
