namespace Appliance.OpenFlow.Tests;

[TestClass]
public sealed class PropertyTests
{
    [TestMethod]
    public void RandomFlowModsRoundTripExactly()
    {
        var random = new RandomMessages(seed: 1);
        for (var i = 0; i < 3000; i++)
        {
            var flowMod = random.FlowMod();
            var bytes = OfpCodec.Encode(flowMod, (uint)i);
            Assert.IsTrue(OfpCodec.TryDecode<FlowMod>(bytes, out var decoded, out var error), $"{flowMod}: {error}");
            Assert.AreEqual(flowMod, decoded);
            CollectionAssert.AreEqual(bytes, OfpCodec.Encode(decoded, (uint)i));
            Assert.AreEqual(0, bytes.Length % 8, "FLOW_MODs are 8-byte aligned");
            Assert.IsTrue(OfpPrinter.TryDescribe(bytes, out _, out error), error.ToString());
        }
    }

    [TestMethod]
    public void RandomGroupModsRoundTripExactly()
    {
        var random = new RandomMessages(seed: 2);
        for (var i = 0; i < 1000; i++)
        {
            var groupMod = random.FastFailoverGroup();
            var bytes = OfpCodec.Encode(groupMod, (uint)i);
            Assert.IsTrue(OfpCodec.TryDecode<GroupMod>(bytes, out var decoded, out var error), error.ToString());
            Assert.AreEqual(groupMod, decoded);
        }
    }

    [TestMethod]
    public void RandomMeterModsRoundTripExactly()
    {
        var random = new RandomMessages(seed: 5);
        for (var i = 0; i < 1000; i++)
        {
            var meterMod = random.Meter();
            var bytes = OfpCodec.Encode(meterMod, (uint)i);
            Assert.IsTrue(OfpCodec.TryDecode<MeterMod>(bytes, out var decoded, out var error), $"{meterMod}: {error}");
            Assert.AreEqual(meterMod, decoded);
            CollectionAssert.AreEqual(bytes, OfpCodec.Encode(decoded, (uint)i));
        }
    }

    [TestMethod]
    public void MatchEqualityIgnoresFieldOrder()
    {
        var random = new RandomMessages(seed: 3);
        for (var i = 0; i < 500; i++)
        {
            var (match, _, _) = random.Match();
            var fields = new List<OxmField>();
            foreach (var field in match) fields.Add(field);
            fields.Reverse();
            var reversed = Match.Of([.. fields]);
            Assert.AreEqual(match, reversed);
            Assert.AreEqual(match.GetHashCode(), reversed.GetHashCode());
        }
    }

    [TestMethod]
    public void OpenVSwitchAcceptsRandomFlowAndGroupMods()
    {
        var random = new RandomMessages(seed: 4);
        for (var i = 0; i < 60; i++)
        {
            var flowMod = random.FlowMod();
            var printed = Ovs.OfpPrint(OfpCodec.Encode(flowMod, 7));
            Assert.DoesNotContain("error", printed, $"{flowMod}\n{printed}");
            Assert.Contains($"priority={flowMod.Priority}", printed, printed);
        }
        for (var i = 0; i < 20; i++)
        {
            var groupMod = random.FastFailoverGroup();
            var printed = Ovs.OfpPrint(OfpCodec.Encode(groupMod, 7));
            Assert.DoesNotContain("error", printed, printed);
            Assert.Contains($"group_id={groupMod.GroupId},type=ff", printed, printed);
        }
        for (var i = 0; i < 20; i++)
        {
            var meterMod = random.Meter();
            var printed = Ovs.OfpPrint(OfpCodec.Encode(meterMod, 7));
            Assert.DoesNotContain("error", printed, printed);
            Assert.Contains($"meter={meterMod.MeterId} ", printed, printed);
        }
    }
}
