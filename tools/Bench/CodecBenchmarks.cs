using System.Net;
using Appliance.Pipeline;
using BenchmarkDotNet.Attributes;

namespace Appliance.Bench;

/// <summary>
/// Decode and encode of the steady-state messages: what the firmware handles continuously while the
/// switch runs (echo keepalives, packet-ins, port-status, flow-mods).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CodecBenchmarks
{
    private static readonly IPAddress Vip = IPAddress.Parse("198.18.0.100");
    private static readonly MacAddress Vmac = MacAddress.Parse("02:00:c6:12:00:64");

    private readonly byte[] _buffer = new byte[OfpCodec.MaxMessageLength];
    private byte[] _echoRequest = null!;
    private byte[] _packetIn = null!;
    private byte[] _portStatus = null!;
    private byte[] _flowMod = null!;
    private FlowMod _flowModMessage;

    [GlobalSetup]
    public void Setup()
    {
        _echoRequest = OfpCodec.Encode(new EchoRequest(new byte[8]), 1);
        // An ARP request punted to the controller, with the in_port match OVS sends.
        var arp = Convert.FromHexString("ffffffffffff0200c612000a080600010800060400010200c612000ac612000a000000000000c6120064");
        _packetIn = OfpCodec.Encode(new PacketIn(OfpBuffer.NoBuffer, (ushort)arp.Length, OfpPacketInReason.Action, 0, 0xe5, Match.Of(OxmField.InPort(4)), arp), 2);
        var port = new OfpPortDesc(1, MacAddress.Parse("f2:9a:ec:47:5c:7c"), new OfpPortName("eth0"), OfpPortConfig.None, OfpPortState.LinkDown,
            OfpPortFeatures.Rate1GbFd, OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, 1_000_000, 0);
        _portStatus = OfpCodec.Encode(new PortStatus(OfpPortReason.Modify, port), 3);
        // The product's most intricate rule: the in-switch ARP responder.
        _flowModMessage = new FlowMod
        {
            Cookie = 0xa5, Priority = 1000,
            Match = RuleBuilder.ArpRequestFor(Vip),
            Instructions = RuleBuilder.ArpResponder(Vip, Vmac),
        };
        _flowMod = OfpCodec.Encode(_flowModMessage, 4);
    }

    [Benchmark(Description = "PACKET_IN decode + in_port")]
    public uint PacketInDecode()
    {
        OfpCodec.TryDecode<PacketIn>(_packetIn, out var packetIn, out _);
        return packetIn.Match.InPort ?? 0;
    }

    [Benchmark(Description = "ECHO round trip (decode request, encode reply)")]
    public int EchoRoundTrip()
    {
        OfpCodec.TryDecode<EchoRequest>(_echoRequest, out var echo, out _);
        return OfpCodec.Encode(echo.Reply(), 1, _buffer);
    }

    [Benchmark(Description = "PORT_STATUS decode")]
    public bool PortStatusDecode()
    {
        OfpCodec.TryDecode<PortStatus>(_portStatus, out var status, out _);
        return status.Desc.IsLive;
    }

    [Benchmark(Description = "FLOW_MOD encode (ARP responder)")]
    public int FlowModEncode() => OfpCodec.Encode(_flowModMessage, 9, _buffer);

    [Benchmark(Description = "FLOW_MOD decode (ARP responder, validated)")]
    public ushort FlowModDecode()
    {
        OfpCodec.TryDecode<FlowMod>(_flowMod, out var flowMod, out _);
        return flowMod.Priority;
    }
}
