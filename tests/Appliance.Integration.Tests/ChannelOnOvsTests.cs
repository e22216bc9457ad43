using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Integration.Tests;

/// <summary>The switch channel against the real Open vSwitch (issue: codec and channel, "done when").</summary>
[TestClass]
[DoNotParallelize]
public sealed class ChannelOnOvsTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    [TestMethod]
    public async Task ConnectsProgramsReadsBackFollowsLinksAndSurvivesARestart()
    {
        using var bridge = TestBridge.Create(ports: 2);
        var recorder = new ChannelRecorder();
        await using var listener = new SwitchListener(bridge.ControllerEndPoint, recorder, DatapathBinding.FromOvsdb(bridge.Name), new SwitchSessionOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        listener.Start();

        // Connect and negotiate: the bridge finds us on its own (OVS is the active side).
        await recorder.WaitForAsync(r => r.Connected.Count >= 1, "OVS to connect", ConnectTimeout);
        var session = recorder.Connected[0];
        Assert.AreEqual(bridge.DatapathId, session.DatapathId);
        CollectionAssert.IsSubsetOf(new[] { 1u, 2u, OfpPort.Local }, session.Ports.Keys.ToArray());
        Assert.AreEqual($"{bridge.Name}-p1", session.Ports[1].Name.ToString());
        Assert.IsTrue(session.Ports[1].IsLive);

        // Install a fast-failover group and a flow using it, confirmed by barrier.
        var group = new GroupMod(OfpGroupModCommand.Add, OfpGroupType.FastFailover, 1,
        [
            new Bucket(ActionList.Of(new OutputAction(1)), WatchPort: 1),
            new Bucket(ActionList.Of(new OutputAction(2)), WatchPort: 2),
        ]);
        var flow = new FlowMod
        {
            Cookie = 0xa11ce, Priority = 800,
            Match = Match.Of(OxmField.EthType(0x0800), OxmField.Ipv4Dst(IPAddress.Parse("198.19.0.100"))),
            Instructions = InstructionList.Apply(new GroupAction(1)),
        };
        var applied = await session.ApplyAsync([group, flow]);
        Assert.IsTrue(applied.Succeeded, applied.ToString());
        StringAssert.Contains(bridge.DumpFlows(), "cookie=0xa11ce");

        // A refused message is named, with OVS's reason.
        var refused = await session.ApplyAsync([flow with { Cookie = 0xbad, Instructions = InstructionList.Apply(new GroupAction(99)) }]);
        Assert.AreEqual(0, refused.Errors.Single().Index);
        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadOutGroup), refused.Errors.Single().Code, refused.ToString());

        // Read both back through multipart: what OVS holds is what we sent, byte for byte.
        var flows = await session.MultipartAsync<FlowStatsRequest, FlowStatsReply, FlowStats>(FlowStatsRequest.All);
        var installed = flows.Single(f => f.Cookie == 0xa11ce);
        Assert.AreEqual(flow.Match, installed.Match);
        Assert.AreEqual(flow.Instructions, installed.Instructions);
        var groups = await session.MultipartAsync<GroupDescRequest, GroupDescReply, GroupDesc>(new GroupDescRequest());
        Assert.AreEqual(new GroupDesc(OfpGroupType.FastFailover, 1, group.Buckets), groups.Single());

        // PORT_STATUS follows the link of port 1 down and up.
        bridge.SetLink(1, up: false);
        await recorder.WaitForAsync(r => r.PortStatuses.Any(p => p.Desc.PortNo == 1 && !p.Desc.IsLive), "port 1 down", TimeSpan.FromSeconds(5));
        Assert.IsFalse(session.Ports[1].IsLive);
        bridge.SetLink(1, up: true);
        await recorder.WaitForAsync(r => r.PortStatuses.Any(p => p.Desc.PortNo == 1 && p.Desc.IsLive), "port 1 up", TimeSpan.FromSeconds(5));
        Assert.IsTrue(session.Ports[1].IsLive);

        // Restart the switch daemon: the old session ends, a new one arrives and is noticed as new.
        Ovs.RestartSwitch();
        await recorder.WaitForAsync(r => r.Disconnected.Any(d => d.Session == session), "the old session to end", ConnectTimeout);
        await recorder.WaitForAsync(r => r.Connected.Count >= 2, "OVS to reconnect after its restart", ConnectTimeout);
        var renewed = recorder.Connected[^1];
        Assert.AreNotEqual(session.Id, renewed.Id);
        Assert.AreEqual(bridge.DatapathId, renewed.DatapathId);
        Assert.AreSame(renewed, listener.Current);
        var afterRestart = await renewed.ApplyAsync([group, flow]);
        Assert.IsTrue(afterRestart.Succeeded, afterRestart.ToString());
        Assert.IsEmpty(recorder.Errors, string.Join(", ", recorder.Errors));
    }

    [TestMethod]
    public async Task OvsdbNamesTheDatapathOfABridge()
    {
        using var bridge = PlainBridge.Create();
        var read = await OvsdbClient.ReadDatapathIdAsync(OvsdbClient.DefaultSocket, bridge.Name, TimeSpan.FromSeconds(2));
        Assert.AreEqual(bridge.DatapathIdFromVsctl(), read);
        var missing = await Assert.ThrowsExactlyAsync<OvsdbException>(() => OvsdbClient.ReadDatapathIdAsync(OvsdbClient.DefaultSocket, bridge.Name + "x", TimeSpan.FromSeconds(2)));
        StringAssert.Contains(missing.Message, "no bridge named");
    }

    /// <summary>
    /// OVS (root) connects over TCP and over a unix socket in a subdirectory of its run directory
    /// (where appliance.service lets the firmware make its socket): the peer check lets it in, and
    /// the datapath is the one OVSDB names for the bridge.
    /// </summary>
    [TestMethod]
    [DataRow("tcp")]
    [DataRow("unix")]
    public async Task OpenVSwitchIsAcceptedAsTheBridgeItIs(string transport)
    {
        using var bridge = PlainBridge.Create();
        var directory = $"/var/run/openvswitch/{bridge.Name}";
        EndPoint endpoint = transport == "unix" ? new UnixDomainSocketEndPoint($"{directory}/of.sock") : new IPEndPoint(IPAddress.Loopback, FreeTcpPort());
        var recorder = new ChannelRecorder();
        var listener = new SwitchListener(endpoint, recorder, DatapathBinding.FromOvsdb(bridge.Name), new SwitchSessionOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        try
        {
            listener.Start();
            bridge.SetController(transport == "unix" ? $"unix:{directory}/of.sock" : $"tcp:127.0.0.1:{((IPEndPoint)endpoint).Port}");
            await recorder.WaitForAsync(r => r.Connected.Count >= 1, "OVS to connect", ConnectTimeout);
            Assert.AreEqual(bridge.DatapathIdFromVsctl(), recorder.Connected[0].DatapathId);
            Assert.AreEqual(0, listener.Refusals.Snapshot().Sum(r => r.Count), string.Join(", ", listener.Refusals.Snapshot()));
        }
        finally
        {
            await listener.DisposeAsync();
            if (transport == "unix")
            {
                Assert.IsFalse(File.Exists($"{directory}/of.sock"), "our socket is removed at stop");
                Directory.Delete(directory);
            }
        }
    }

    /// <summary>
    /// Passive health's pieces on the real switch: a meter, a flow matching servers' resets by
    /// tcp_flags (an ONF experimenter field in OpenFlow 1.3) and connection-tracking fields that
    /// sends them to us through that meter (NXAST_CONTROLLER2), and a ct_label set on commit. What
    /// OVS reports back is what we installed: the reconciler compares exactly that.
    /// </summary>
    [TestMethod]
    public async Task MetersTcpFlagsAndMeteredControllerActionsReadBackAsInstalled()
    {
        using var bridge = PlainBridge.Create();
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreeTcpPort());
        var recorder = new ChannelRecorder();
        await using var listener = new SwitchListener(endpoint, recorder, DatapathBinding.FromOvsdb(bridge.Name), new SwitchSessionOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        listener.Start();
        bridge.SetController($"tcp:127.0.0.1:{endpoint.Port}");
        await recorder.WaitForAsync(r => r.Connected.Count >= 1, "OVS to connect", ConnectTimeout);
        var session = recorder.Connected[0];

        var features = await session.RequestAsync<MeterFeaturesRequest, MeterFeaturesReply>(new MeterFeaturesRequest());
        Assert.IsGreaterThan(0u, features.Features.MaxMeter, "the userspace datapath has meters");

        // A server's meter, read back as made; then the errors the fake switch copies.
        var meter = new MeterMod(OfpMeterModCommand.Add, OfpMeterFlags.Pktps | OfpMeterFlags.Burst, 1, [MeterBand.Drop(200, 50)]);
        var added = await session.ApplyAsync([meter]);
        Assert.IsTrue(added.Succeeded, added.ToString());
        Assert.AreEqual(new MeterConfig(OfpMeterFlags.Pktps | OfpMeterFlags.Burst, 1, [MeterBand.Drop(200, 50)]), (await session.ReadMeterConfigAsync()).Single());
        var refused = await session.ApplyAsync(
        [
            meter,
            meter with { Command = OfpMeterModCommand.Modify, MeterId = 5 },
            meter with { MeterId = 0 },
            meter with { Command = OfpMeterModCommand.Delete, MeterId = 9, Bands = [] },
            new FlowMod { TableId = 9, Instructions = InstructionList.Of(new MeterInstruction(9), new ApplyActionsInstruction(new OutputAction(1))) },
        ]);
        CollectionAssert.AreEqual(
            new[] { (0, OfpErrorCode.Of(OfpMeterModFailedCode.MeterExists)), (1, OfpErrorCode.Of(OfpMeterModFailedCode.UnknownMeter)), (2, OfpErrorCode.Of(OfpMeterModFailedCode.InvalidMeter)), (4, OfpErrorCode.Of(OfpMeterModFailedCode.InvalidMeter)) },
            refused.Errors.Select(e => (e.Index, e.Code)).ToArray(), refused.ToString());

        // tcp,tcp_flags=+rst,in_port=1 seen in the reply direction of a tracked connection to port 80, to us through meter 1.
        var resets = new FlowMod
        {
            TableId = 8, Priority = 10, Cookie = 0x9a,
            Match = Match.Of(
                OxmField.InPort(1), OxmField.EthType(0x0800), OxmField.IpProto(6), OxmField.TcpFlags(0x004, 0x004),
                OxmField.CtState(0x28, 0x28), OxmField.CtNwProto(6), OxmField.CtTpDst(80), OxmField.CtLabel(0, 1)),
            Instructions = InstructionList.Apply(new NxControllerAction(MaxLen: 128, MeterId: 1)),
        };
        var label = new FlowMod
        {
            TableId = 8, Priority = 10, Cookie = 0x9b,
            Match = Match.Of(OxmField.InPort(2), OxmField.EthType(0x0800)),
            Instructions = InstructionList.Apply(new NxConntrackAction(NxConntrackFlags.Commit, 5, NxConntrackAction.NoRecirc, ActionList.Of(new SetFieldAction(OxmField.CtLabel(1))))),
        };
        var installed = await session.ApplyAsync([resets, label]);
        Assert.IsTrue(installed.Succeeded, installed.ToString());

        var flows = await session.ReadFlowStatsAsync(new FlowStatsRequest(new FlowSelector { TableId = 8 }));
        foreach (var flow in new[] { resets, label })
        {
            var read = flows.Single(f => f.Cookie == flow.Cookie);
            Assert.AreEqual(flow.Match, read.Match, read.Match.ToString());
            Assert.AreEqual(flow.Instructions, read.Instructions, read.Instructions.ToString());
        }
        var dump = bridge.DumpFlows();
        StringAssert.Contains(dump, "tcp_flags=+rst");
        StringAssert.Contains(dump, "actions=controller(max_len=128,meter_id=1)");
        StringAssert.Contains(dump, "actions=ct(commit,zone=5,exec(set_field:0x1->ct_label))");
        Assert.IsEmpty(recorder.Errors, string.Join(", ", recorder.Errors));
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A bridge with no ports, named chan-XXXX (not it-: other test runs on this machine clean those up).</summary>
    private sealed class PlainBridge : IDisposable
    {
        private PlainBridge(string name) => Name = name;

        public string Name { get; }

        public static PlainBridge Create()
        {
            var bridge = new PlainBridge($"chan-{Random.Shared.Next(0x10000):x4}");
            Sh.Check("ovs-vsctl", "add-br", bridge.Name, "--", "set", "bridge", bridge.Name, "datapath_type=netdev", "protocols=OpenFlow13", "fail_mode=secure");
            return bridge;
        }

        public ulong DatapathIdFromVsctl() =>
            Convert.ToUInt64(Sh.Check("ovs-vsctl", "get", "bridge", Name, "datapath_id").Trim().Trim('"'), 16);

        public void SetController(string target)
        {
            Sh.Check("ovs-vsctl", "set-controller", Name, target);
            Sh.Check("ovs-vsctl", "set", "controller", Name, "max_backoff=1000");
        }

        public string DumpFlows() => Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", Name);

        public void Dispose() => Sh.Try("ovs-vsctl", "--if-exists", "del-br", Name);
    }
}
