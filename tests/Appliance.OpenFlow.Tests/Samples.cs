using System.Net;

namespace Appliance.OpenFlow.Tests;

/// <summary>
/// One example of every message the codec speaks, with what Open vSwitch's own decoder must say
/// about our encoding of it. Shared by the golden, round-trip, cross-check and fuzz tests.
/// </summary>
public sealed partial record Sample(string Name, byte[] Bytes, Func<ReadOnlyMemory<byte>, bool> DecodesToSame, string[] OvsLines)
{
    public static Sample Of<T>(string name, T message, params string[] ovsLines)
        where T : struct, IOfpMessage<T>
    {
        var bytes = OfpCodec.Encode(message, 0x1234);
        return new Sample(name, bytes, memory => OfpCodec.TryDecode<T>(memory, out var decoded, out _) && decoded.Equals(message), ovsLines);
    }

    public override string ToString() => Name;

    public static readonly IPAddress Vip = IPAddress.Parse("198.18.0.100");
    public static readonly MacAddress Vmac = MacAddress.Parse("02:00:c6:12:00:64");
    public static readonly MacAddress MasterMac = MacAddress.Parse("02:00:c6:12:00:01");

    public static readonly Match ArpForVip = Match.Of(OxmField.EthType(0x0806), OxmField.ArpOp(1), OxmField.ArpTpa(Vip));

    /// <summary>The switch's own ARP responder for the VIP: the most intricate flow the product installs.</summary>
    public static readonly InstructionList ArpResponder = InstructionList.Apply(
        NxRegMoveAction.Whole(NxmField.EthSrc, NxmField.EthDst),
        new SetFieldAction(OxmField.EthSrc(Vmac)),
        new SetFieldAction(OxmField.ArpOp(2)),
        NxRegMoveAction.Whole(NxmField.ArpSha, NxmField.ArpTha),
        NxRegMoveAction.Whole(NxmField.ArpSpa, NxmField.ArpTpa),
        new SetFieldAction(OxmField.ArpSha(Vmac)),
        new SetFieldAction(OxmField.ArpSpa(Vip)),
        new OutputAction(OfpPort.InPort));

    public static readonly OfpPortDesc Port1 = new(
        1, MacAddress.Parse("f2:9a:ec:47:5c:7c"), new OfpPortName("lab-master"), OfpPortConfig.None, OfpPortState.Live,
        OfpPortFeatures.Rate10GbFd | OfpPortFeatures.Copper, OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, 10_000_000, 0);

    public static readonly Bucket MasterBucket = new(
        ActionList.Of(
            new NxConntrackAction(NxConntrackFlags.Commit, 1, 2, ActionList.Of(new NxNatAction(NxNatFlags.Destination, IPAddress.Parse("198.18.0.1"))))),
        WatchPort: 1);

    public static readonly Bucket SlaveBucket = new(ActionList.Of(new SetFieldAction(OxmField.EthDst(MacAddress.Parse("02:00:c6:12:00:02"))), new OutputAction(2)), WatchPort: 2);

    public static IEnumerable<Sample> All() => Base().Concat(PassiveHealth());

    private static IEnumerable<Sample> Base()
    {
        yield return Of("hello", Hello.OpenFlow13, "OFPT_HELLO (OF1.3) (xid=0x1234):", "version bitmap: 0x04");
        yield return Of("error", new ErrorMsg(OfpErrorCode.Of(OfpBadMatchCode.BadField), Hex.Bytes("0400000800000007")), "OFPT_ERROR (OF1.3) (xid=0x1234): OFPBMC_BAD_FIELD");
        yield return Of("echo_request", new EchoRequest(new byte[] { 1, 2, 3, 4 }), "OFPT_ECHO_REQUEST (OF1.3) (xid=0x1234): 4 bytes of payload");
        yield return Of("echo_reply", new EchoReply(OfpBytes.Empty), "OFPT_ECHO_REPLY (OF1.3) (xid=0x1234): 0 bytes of payload");
        // NXT_FLOW_MOD_TABLE_ID: an experimenter message OVS knows, so that it can check our framing.
        yield return Of("experimenter", new ExperimenterMsg(OfpExperimenterId.Nicira, 15, new byte[] { 1, 0, 0, 0, 0, 0, 0, 0 }), "NXT_FLOW_MOD_TABLE_ID (OF1.3) (xid=0x1234): enable");
        yield return Of("features_request", new FeaturesRequest(), "OFPT_FEATURES_REQUEST (OF1.3) (xid=0x1234):");
        yield return Of("features_reply", new FeaturesReply(0x0000ba59f3e14b41, 0, 254, 0, OfpCapabilities.FlowStats | OfpCapabilities.TableStats | OfpCapabilities.PortStats | OfpCapabilities.GroupStats | OfpCapabilities.QueueStats),
            "OFPT_FEATURES_REPLY (OF1.3) (xid=0x1234): dpid:0000ba59f3e14b41", "n_tables:254, n_buffers:0", "capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS");
        yield return Of("get_config_request", new GetConfigRequest(), "OFPT_GET_CONFIG_REQUEST (OF1.3) (xid=0x1234):");
        yield return Of("get_config_reply", new GetConfigReply(new SwitchConfig(OfpConfigFlags.FragNormal, 0)), "OFPT_GET_CONFIG_REPLY (OF1.3) (xid=0x1234): frags=normal miss_send_len=0");
        yield return Of("set_config", new SetConfig(new SwitchConfig(OfpConfigFlags.FragNormal, 128)), "OFPT_SET_CONFIG (OF1.3) (xid=0x1234): frags=normal miss_send_len=128");
        yield return Of("packet_in", new PacketIn(OfpBuffer.NoBuffer, 42, OfpPacketInReason.Action, 0, 0x2a, Match.Of(OxmField.InPort(4)), ArpRequest()),
            "OFPT_PACKET_IN (OF1.3) (xid=0x1234): cookie=0x2a total_len=42 in_port=4 (via action) data_len=42 (unbuffered)",
            "arp,vlan_tci=0x0000,dl_src=02:00:c6:12:00:0a,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=198.18.0.10,arp_tpa=198.18.0.100,arp_op=1,arp_sha=02:00:c6:12:00:0a,arp_tha=00:00:00:00:00:00");
        yield return Of("flow_removed", new FlowRemoved(0x1001, 800, OfpFlowRemovedReason.Delete, 0, 12, 500_000_000, 0, 0, 17, 1700, Match.Of(OxmField.EthType(0x0800), OxmField.Ipv4Dst(Vip))),
            "OFPT_FLOW_REMOVED (OF1.3) (xid=0x1234): priority=800,ip,nw_dst=198.18.0.100 reason=delete table_id=0 cookie:0x1001 duration12.500s idle0 pkts17 bytes1700");
        yield return Of("port_status", new PortStatus(OfpPortReason.Modify, Port1 with { State = OfpPortState.LinkDown }),
            "OFPT_PORT_STATUS (OF1.3) (xid=0x1234): MOD: 1(lab-master): addr:f2:9a:ec:47:5c:7c", "state:      LINK_DOWN");
        yield return Of("packet_out", PacketOut.Of(ArpRequest(), ActionList.Of(new OutputAction(1))),
            "OFPT_PACKET_OUT (OF1.3) (xid=0x1234): in_port=CONTROLLER actions=output:1 data_len=42");
        yield return Of("flow_mod_arp_responder", new FlowMod { Cookie = 0xa5, Priority = 1000, Match = ArpForVip, Instructions = ArpResponder },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD priority=1000,arp,arp_tpa=198.18.0.100,arp_op=1 cookie:0xa5 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:00:c6:12:00:64->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:02:00:c6:12:00:64->arp_sha,set_field:198.18.0.100->arp_spa,IN_PORT");
        yield return Of("flow_mod_vip_to_group", new FlowMod { Cookie = 0xb1, Priority = 800, Match = Match.Of(OxmField.EthType(0x0800), OxmField.Ipv4Dst(Vip)), Instructions = InstructionList.Apply(new GroupAction(1)) },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD priority=800,ip,nw_dst=198.18.0.100 cookie:0xb1 actions=group:1");
        yield return Of("flow_mod_masks_and_goto", new FlowMod
        {
            Cookie = 0xc, TableId = 1, Command = OfpFlowModCommand.ModifyStrict, IdleTimeout = 10, HardTimeout = 30, Priority = 5,
            Flags = OfpFlowModFlags.SendFlowRem,
            Match = Match.Of(OxmField.InPort(3), OxmField.EthDst(MasterMac, MacAddress.Parse("ff:ff:ff:00:00:00")), OxmField.EthType(0x0800), OxmField.Ipv4Src(IPAddress.Parse("198.18.0.0"), 24), OxmField.IpProto(17), OxmField.UdpDst(7)),
            Instructions = InstructionList.Of(new GotoTableInstruction(2), new WriteMetadataInstruction(0x10, 0xff), new ApplyActionsInstruction(new PushVlanAction(), new SetFieldAction(OxmField.VlanVid(0x1000 | 10)), new DecNwTtlAction(), new PopVlanAction())),
        },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): MOD_STRICT table:1 priority=5,udp,in_port=3,dl_dst=02:00:c6:00:00:00/ff:ff:ff:00:00:00,nw_src=198.18.0.0/24,tp_dst=7 idle:10 hard:30 send_flow_rem actions=push_vlan:0x8100,set_field:4106->vlan_vid,dec_ttl,pop_vlan,write_metadata:0x10/0xff,goto_table:2");
        yield return Of("flow_mod_delete_by_cookie", new FlowMod { Command = OfpFlowModCommand.Delete, TableId = OfpTable.All, Cookie = 0x1000, CookieMask = 0xf000 },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): DEL table:255 cookie:0x1000/0xf000 actions=drop");
        yield return Of("flow_mod_icmp_write_clear", new FlowMod
        {
            Match = Match.Of(OxmField.EthType(0x0800), OxmField.IpProto(1), OxmField.Icmpv4Type(8), OxmField.Icmpv4Code(0), OxmField.EthSrc(MasterMac)),
            Instructions = InstructionList.Of(new ClearActionsInstruction(), new WriteActionsInstruction(ActionList.Of(new OutputAction(OfpPort.Controller, OfpControllerMaxLen.NoBuffer)))),
        },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD icmp,dl_src=02:00:c6:12:00:01,icmp_type=8,icmp_code=0 actions=clear_actions,write_actions(CONTROLLER:65535)");
        yield return Of("flow_mod_tcp_arp_fields", new FlowMod
        {
            Match = Match.Of(OxmField.EthType(0x0806), OxmField.ArpSpa(IPAddress.Parse("198.18.0.0"), 16), OxmField.ArpSha(MasterMac), OxmField.ArpTha(Vmac, MacAddress.Parse("ff:ff:ff:ff:ff:00")), OxmField.ArpOp(2)),
            Instructions = InstructionList.Apply(new OutputAction(OfpPort.Normal)),
        },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD arp,arp_spa=198.18.0.0/16,arp_op=2,arp_sha=02:00:c6:12:00:01,arp_tha=02:00:c6:12:00:00/ff:ff:ff:ff:ff:00 actions=NORMAL");
        yield return Of("flow_mod_nat_reply", new FlowMod
        {
            Cookie = 0xd2, Priority = 700,
            Match = Match.Of(OxmField.InPort(1), OxmField.EthType(0x0800), OxmField.IpProto(6), OxmField.TcpSrc(80), OxmField.TcpDst(4242), OxmField.CtState(0x20, 0x21), OxmField.CtZone(1)),
            Instructions = InstructionList.Apply(new NxConntrackAction(NxConntrackFlags.None, 1, 1, ActionList.Of(new NxNatAction()))),
        },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD priority=700,ct_state=-new+trk,ct_zone=1,tcp,in_port=1,tp_src=80,tp_dst=4242 cookie:0xd2 actions=ct(table=1,zone=1,nat)");
        yield return Of("group_mod_fast_failover", new GroupMod(OfpGroupModCommand.Add, OfpGroupType.FastFailover, 1, new[] { MasterBucket, SlaveBucket }),
            "OFPT_GROUP_MOD (OF1.3) (xid=0x1234):",
            "ADD group_id=1,type=ff,bucket=watch_port:1,actions=ct(commit,table=2,zone=1,nat(dst=198.18.0.1)),bucket=watch_port:2,actions=set_field:02:00:c6:12:00:02->eth_dst,output:2");
        yield return Of("group_mod_delete", new GroupMod(OfpGroupModCommand.Delete, OfpGroupType.All, OfpGroup.All, ValueList<Bucket>.Empty),
            "OFPT_GROUP_MOD (OF1.3) (xid=0x1234):", "DEL group_id=4294967292,type=all");
        yield return Of("port_mod", new PortMod(2, MacAddress.Parse("06:f2:54:61:02:22"), OfpPortConfig.PortDown, OfpPortConfig.PortDown, OfpPortFeatures.None),
            "OFPT_PORT_MOD (OF1.3) (xid=0x1234): port: 2: addr:06:f2:54:61:02:22", "config: PORT_DOWN", "mask:   PORT_DOWN");
        yield return Of("table_mod", new TableMod(0, OfpTableConfig.None), "OFPT_TABLE_MOD (OF1.3) (xid=0x1234): table_id=0");
        yield return Of("barrier_request", new BarrierRequest(), "OFPT_BARRIER_REQUEST (OF1.3) (xid=0x1234):");
        yield return Of("barrier_reply", new BarrierReply(), "OFPT_BARRIER_REPLY (OF1.3) (xid=0x1234):");
        yield return Of("role_request", new RoleRequest(OfpControllerRole.Master, 7), "OFPT_ROLE_REQUEST (OF1.3) (xid=0x1234): role=primary generation_id=7");
        yield return Of("role_reply", new RoleReply(new RoleBody(OfpControllerRole.Equal, 0)), "OFPT_ROLE_REPLY (OF1.3) (xid=0x1234): role=equal");
        yield return Of("get_async_request", new GetAsyncRequest(), "OFPT_GET_ASYNC_REQUEST (OF1.3) (xid=0x1234):");
        yield return Of("get_async_reply", new GetAsyncReply(new AsyncConfig(0b11, 0, 0b111, 0b111, 0b1111, 0)),
            "OFPT_GET_ASYNC_REPLY (OF1.3) (xid=0x1234):", "PACKET_IN: no_match action", "PORT_STATUS: add delete modify");
        yield return Of("set_async", new SetAsync(new AsyncConfig(0, 0, 0b111, 0, 0, 0)), "OFPT_SET_ASYNC (OF1.3) (xid=0x1234):", "PORT_STATUS: add delete modify");
        yield return Of("desc_request", new DescRequest(), "OFPST_DESC request (OF1.3) (xid=0x1234):");
        yield return Of("desc_reply", new DescReply("Nicira, Inc.", "Open vSwitch", "3.1.0", "None", "None"),
            "OFPST_DESC reply (OF1.3) (xid=0x1234):", "Manufacturer: Nicira, Inc.", "Hardware: Open vSwitch", "Software: 3.1.0");
        yield return Of("flow_stats_request", FlowStatsRequest.All, "OFPST_FLOW request (OF1.3) (xid=0x1234):");
        yield return Of("flow_stats_request_cookie", new FlowStatsRequest(new FlowSelector { TableId = 0, Cookie = 0xa0, CookieMask = 0xf0, Match = Match.Of(OxmField.InPort(2)) }),
            "OFPST_FLOW request (OF1.3) (xid=0x1234): table=0 in_port=2");
        yield return Of("flow_stats_reply", new FlowStatsReply(OfpMultipartFlags.None, new[]
        {
            new FlowStats(0, 3, 5_000_000, 1000, 0, 0, OfpFlowModFlags.None, 0xa5, 1, 42, ArpForVip, ArpResponder),
            new FlowStats(0, 3, 5_000_000, 0, 0, 0, OfpFlowModFlags.None, 0xf, 10, 644, Match.Any, InstructionList.Apply(new OutputAction(OfpPort.Normal))),
        }),
            "OFPST_FLOW reply (OF1.3) (xid=0x1234):",
            "cookie=0xa5, duration=3.005s, table=0, n_packets=1, n_bytes=42, priority=1000,arp,arp_tpa=198.18.0.100,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
            "cookie=0xf, duration=3.005s, table=0, n_packets=10, n_bytes=644, priority=0 actions=NORMAL");
        yield return Of("aggregate_request", new AggregateStatsRequest(new FlowSelector()), "OFPST_AGGREGATE request (OF1.3) (xid=0x1234):");
        yield return Of("aggregate_reply", new AggregateStatsReply(12, 3400, 7), "OFPST_AGGREGATE reply (OF1.3) (xid=0x1234): packet_count=12 byte_count=3400 flow_count=7");
        yield return Of("table_request", new TableStatsRequest(), "OFPST_TABLE request (OF1.3) (xid=0x1234):");
        yield return Of("table_reply", new TableStatsReply(OfpMultipartFlags.None, new[] { new TableStats(0, 7, 100, 90), new TableStats(1, 2, 20, 20) }),
            "OFPST_TABLE reply (OF1.3) (xid=0x1234):", "table 0:", "active=7, lookup=100, matched=90", "table 1:", "active=2, lookup=20, matched=20");
        yield return Of("port_stats_request", new PortStatsRequest { PortNo = 1 }, "OFPST_PORT request (OF1.3) (xid=0x1234): port_no=1");
        yield return Of("port_stats_reply", new PortStatsReply(OfpMultipartFlags.None, new[] { new PortStats(1, 10, 20, 1000, 2000, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0) }),
            "OFPST_PORT reply (OF1.3) (xid=0x1234): 1 ports", "port  1: rx pkts=10, bytes=1000, drop=0, errs=0, frame=0, over=0, crc=0", "tx pkts=20, bytes=2000, drop=0, errs=0, coll=0", "duration=5s");
        yield return Of("group_stats_request", new GroupStatsRequest(), "OFPST_GROUP request (OF1.3) (xid=0x1234): group_id=ALL");
        yield return Of("group_stats_reply", new GroupStatsReply(OfpMultipartFlags.None, new[] { new GroupStats(1, 1, 30, 3000, 9, 0, new[] { new BucketCounter(30, 3000), new BucketCounter(0, 0) }) }),
            "OFPST_GROUP reply (OF1.3) (xid=0x1234):", "group_id=1,duration=9s,ref_count=1,packet_count=30,byte_count=3000,bucket0:packet_count=30,byte_count=3000,bucket1:packet_count=0,byte_count=0");
        yield return Of("group_desc_request", new GroupDescRequest(), "OFPST_GROUP_DESC request (OF1.3) (xid=0x1234):");
        yield return Of("group_desc_reply", new GroupDescReply(OfpMultipartFlags.None, new[] { new GroupDesc(OfpGroupType.FastFailover, 1, new[] { MasterBucket, SlaveBucket }) }),
            "OFPST_GROUP_DESC reply (OF1.3) (xid=0x1234):",
            "group_id=1,type=ff,bucket=watch_port:1,actions=ct(commit,table=2,zone=1,nat(dst=198.18.0.1)),bucket=watch_port:2,actions=set_field:02:00:c6:12:00:02->eth_dst,output:2");
        yield return Of("port_desc_request", new PortDescRequest(), "OFPST_PORT_DESC request (OF1.3) (xid=0x1234): port=ANY");
        yield return Of("port_desc_reply", new PortDescReply(OfpMultipartFlags.None, new[] { Port1, Port1 with { PortNo = OfpPort.Local, Name = new OfpPortName("lab") } }),
            "OFPST_PORT_DESC reply (OF1.3) (xid=0x1234):", "1(lab-master): addr:f2:9a:ec:47:5c:7c", "state:      LIVE", "LOCAL(lab): addr:f2:9a:ec:47:5c:7c");
    }

    /// <summary>A broadcast ARP request from the lab client asking for the VIP.</summary>
    public static byte[] ArpRequest() => Hex.Bytes(
        "ffffffffffff 0200c612000a 0806" +
        "0001 0800 06 04 0001 0200c612000a c612000a 000000000000 c6120064");
}
