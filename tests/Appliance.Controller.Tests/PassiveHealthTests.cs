using System.Buffers.Binary;

namespace Appliance.Controller.Tests;

/// <summary>Passive health's reports from the switch, as the firmware takes them.</summary>
[TestClass]
public sealed class PassiveHealthTests
{
    private static PacketIn Reset(ulong cookie, uint inPort, ushort port = 80)
    {
        var frame = new byte[14 + 20 + 20];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        frame[14] = 0x45;
        frame[14 + 9] = 6;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(34), port);
        frame[34 + 13] = 0x14;
        return new PacketIn(OfpBuffer.NoBuffer, (ushort)frame.Length, OfpPacketInReason.Action, 8, cookie, Match.Of(OxmField.InPort(inPort)), new OfpBytes(frame));
    }

    [TestMethod]
    public async Task AReportedRefusalTakesTheServerDownAndIsCounted()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        var channel = await rig.AdoptAsync();
        Assert.HasCount(2, rig.Switch.Meters, "one meter per server");

        ((ISwitchHandler)rig.Controller).OnPacketIn(channel, Reset(Cookies.Of(RuleKind.Refusal, 1), 1));
        await rig.FlushAsync();

        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts);
        Assert.AreEqual("slave", rig.Status.Active);
        Assert.IsTrue(rig.Server("master").HardDown);
        Assert.AreEqual("refused a client connection (TCP port 80: reset)", rig.Server("master").Detail);
        Assert.AreEqual(1, rig.Controller.Probes.All.Single(s => s.Server == "master").Refusals(RefusalKind.TcpReset));
    }

    [TestMethod]
    public async Task PacketsFromOtherRulesOrUnknownPortsAreIgnored()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        var channel = await rig.AdoptAsync();
        var handler = (ISwitchHandler)rig.Controller;
        handler.OnPacketIn(channel, Reset(Cookies.Of(RuleKind.Normal), 1));
        handler.OnPacketIn(channel, Reset(Cookies.Of(RuleKind.Refusal, 9), 9));
        handler.OnPacketIn(channel, new PacketIn(OfpBuffer.NoBuffer, 0, OfpPacketInReason.Action, 8, Cookies.Of(RuleKind.Refusal, 1), Match.Of(OxmField.InPort(1)), default));
        await rig.FlushAsync();

        CollectionAssert.AreEqual(new uint[] { 1, 2 }, rig.BucketPorts);
        Assert.AreEqual(0, rig.Controller.Probes.All.Sum(s => s.Refusals(RefusalKind.TcpReset)));
    }
}
