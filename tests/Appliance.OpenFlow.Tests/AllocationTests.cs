namespace Appliance.OpenFlow.Tests;

/// <summary>
/// The steady-state messages decode and encode without allocating. Counted with the runtime's
/// per-thread allocation counter, which is exact and does not depend on timing.
/// </summary>
[TestClass]
public sealed class AllocationTests
{
    private static long AllocatedBy(Action action)
    {
        action(); // warm up: JIT, static initialisers
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static readonly byte[] Buffer = new byte[OfpCodec.MaxMessageLength];

    private static void RoundTrips<T>(byte[] bytes)
        where T : struct, IOfpMessage<T>
    {
        for (var i = 0; i < 1000; i++)
        {
            if (!OfpCodec.TryDecode<T>(bytes, out var message, out _)) throw new InvalidOperationException("sample must decode");
            OfpCodec.Encode(message, 1, Buffer);
        }
    }

    private static byte[] SampleBytes(string name) => Sample.All().Single(s => s.Name == name).Bytes;

    [TestMethod]
    public void EchoRoundTripAllocatesNothing()
    {
        var request = SampleBytes("echo_request");
        Assert.AreEqual(0, AllocatedBy(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                OfpCodec.TryDecode<EchoRequest>(request, out var echo, out _);
                OfpCodec.Encode(echo.Reply(), 1, Buffer);
            }
        }));
    }

    [TestMethod]
    public void PacketInAllocatesNothing()
    {
        var bytes = SampleBytes("packet_in");
        Assert.AreEqual(0, AllocatedBy(() => RoundTrips<PacketIn>(bytes)));
        Assert.AreEqual(0, AllocatedBy(() =>
        {
            OfpCodec.TryDecode<PacketIn>(bytes, out var packetIn, out _);
            if (packetIn.Match.InPort != 4) throw new InvalidOperationException();
        }));
    }

    [TestMethod]
    public void PortStatusAllocatesNothing()
    {
        var bytes = SampleBytes("port_status");
        Assert.AreEqual(0, AllocatedBy(() => RoundTrips<PortStatus>(bytes)));
    }

    [TestMethod]
    public void FlowModAllocatesNothing()
    {
        var bytes = SampleBytes("flow_mod_arp_responder");
        Assert.AreEqual(0, AllocatedBy(() => RoundTrips<FlowMod>(bytes)));
    }

    [TestMethod]
    public void FlowModWithExperimenterFieldsAndControllerTwoAllocatesNothing()
    {
        // tcp_flags (64-bit experimenter header), ct fields and NXAST_CONTROLLER2's properties.
        var bytes = SampleBytes("flow_mod_passive_health");
        Assert.AreEqual(0, AllocatedBy(() => RoundTrips<FlowMod>(bytes)));
        Assert.AreEqual(0, AllocatedBy(() =>
        {
            OfpCodec.TryDecode<FlowMod>(bytes, out var flowMod, out _);
            if (!flowMod.Match.TryGet(OxmFieldId.TcpFlags, out var flags) || flags.Value != 0x004) throw new InvalidOperationException();
        }));
    }
}
