using System.Net;

namespace Appliance.Pipeline.Tests;

/// <summary>A pair's box that becomes active announces the VIP's MAC on the office LAN (docs/pair.md).</summary>
[TestClass]
public sealed class GratuitousArpTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("198.18.0.100");
    private static readonly MacAddress Vmac = MacAddress.Parse("02:00:c6:12:00:64");
    private static readonly DesiredSwitchState Standby = new([], null, [], Standby: true);
    private static readonly DesiredSwitchState Serving = new(["master", "slave"], "master");

    [TestMethod]
    public void TheFrameIsAnArpRequestFromTheVipsMacForTheVipItself()
    {
        var frame = GratuitousArp.Frame(Vip, Vmac);

        Assert.AreEqual(60, frame.Length);
        Assert.AreEqual("ffffffffffff" + "0200c6120064" + "0806" + "0001" + "0800" + "06" + "04" + "0001" + "0200c6120064" + "c6120064" + "000000000000" + "c6120064",
            Convert.ToHexString(frame, 0, 42).ToLowerInvariant());
        Assert.IsTrue(frame.Skip(42).All(b => b == 0), "padding");
    }

    [TestMethod]
    public void SentFloodedOnlyWhenAStandbyBecomesActive()
    {
        var takeover = GratuitousArp.OnTakeover(Standby, Serving, Vip, Vmac);

        Assert.AreEqual(GratuitousArp.Copies, takeover.Count);
        var packet = (PacketOut)takeover[0];
        Assert.AreEqual(OfpPort.Controller, packet.InPort);
        Assert.AreEqual(ActionList.Of(new OutputAction(OfpPort.Flood)), packet.Actions);
        CollectionAssert.AreEqual(GratuitousArp.Frame(Vip, Vmac), packet.Data.Span.ToArray());
        Assert.AreEqual(0, GratuitousArp.OnTakeover(Serving, Serving, Vip, Vmac).Count, "already active");
        Assert.AreEqual(0, GratuitousArp.OnTakeover(Serving, Standby, Vip, Vmac).Count, "standing by");
        Assert.AreEqual(0, GratuitousArp.OnTakeover(null, Serving, Vip, Vmac).Count, "a box on its own, first rules");
    }
}
