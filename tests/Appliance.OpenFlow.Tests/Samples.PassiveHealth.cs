namespace Appliance.OpenFlow.Tests;

/// <summary>The messages of passive health: meters, the metered controller action, tcp_flags and the connection-tracking fields.</summary>
public sealed partial record Sample
{
    /// <summary>
    /// Passive health: a server's RST to a new connection of a client, seen in the reply direction of
    /// the connection tracker, goes to the controller through the server's meter.
    /// </summary>
    public static readonly FlowMod PassiveHealthFlow = new()
    {
        TableId = 8, Priority = 10, Cookie = 0x9a,
        Match = Match.Of(
            OxmField.InPort(1), OxmField.EthType(0x0800), OxmField.IpProto(6), OxmField.TcpFlags(0x004, 0x004),
            OxmField.CtState(0x28, 0x28), OxmField.CtNwProto(6), OxmField.CtTpDst(80), OxmField.CtLabel(0, 1)),
        Instructions = InstructionList.Apply(new NxControllerAction(MaxLen: 128, MeterId: 1)),
    };

    /// <summary>Labels a connection on commit: the label is set inside ct(exec(...)).</summary>
    public static readonly FlowMod CtLabelFlow = new()
    {
        TableId = 8, Priority = 10, Cookie = 0x9b,
        Match = Match.Of(OxmField.InPort(2), OxmField.EthType(0x0800)),
        Instructions = InstructionList.Apply(
            new NxConntrackAction(NxConntrackFlags.Commit, 5, NxConntrackAction.NoRecirc, ActionList.Of(new SetFieldAction(OxmField.CtLabel(1))))),
    };

    /// <summary>
    /// The switch's own reflex to a refusal: it learns a flow that marks new connections (reg0 bit 0)
    /// for the server of reg2 = 1, and un-wildcards the client's port so that every refusal is seen.
    /// </summary>
    public static readonly FlowMod ReflexFlow = new()
    {
        TableId = 8, Priority = 100, Cookie = 0x1001,
        Match = Match.Of(OxmField.InPort(1), OxmField.EthType(0x0800), OxmField.IpProto(6), OxmField.CtState(0x20, 0x30), OxmField.CtNwProto(6)),
        Instructions = InstructionList.Apply(
            new NxLearnAction(9, 100, 0x1201, 0, 10,
            [
                NxLearnSpec.MatchValue(OxmFieldId.NxReg(2), 1),
                NxLearnSpec.LoadValue(1, OxmFieldId.NxReg(0), 0, 1),
                NxLearnSpec.LoadField(OxmFieldId.NxCtTpSrc, OxmFieldId.NxReg(1), 0),
            ]),
            new NxResubmitAction(9)),
    };

    /// <summary>A server's meter: 200 packet-ins a second, bursts of 50.</summary>
    public static readonly MeterMod ServerMeter = new(OfpMeterModCommand.Add, OfpMeterFlags.Pktps | OfpMeterFlags.Burst, 1, [MeterBand.Drop(200, 50)]);

    public static IEnumerable<Sample> PassiveHealth()
    {
        yield return Of("flow_mod_passive_health", PassiveHealthFlow,
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD table:8 priority=10,ct_state=+rpl+trk,ct_label=0/0x1,ct_nw_proto=6,ct_tp_dst=80,tcp,in_port=1,tcp_flags=+rst cookie:0x9a actions=controller(max_len=128,meter_id=1)");
        yield return Of("flow_mod_learn_resubmit", ReflexFlow,
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD table:8 priority=100,ct_state=-inv+trk,ct_nw_proto=6,tcp,in_port=1 cookie:0x1001 actions=learn(table=9,hard_timeout=10,priority=100,cookie=0x1201,reg2=0x1,load:0x1->NXM_NX_REG0[0],load:NXM_NX_CT_TP_SRC[]->NXM_NX_REG1[0..15]),resubmit(,9)");
        yield return Of("flow_mod_ct_label", CtLabelFlow,
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD table:8 priority=10,ip,in_port=2 cookie:0x9b actions=ct(commit,zone=5,exec(set_field:0x1->ct_label))");
        yield return Of("flow_mod_controller_forms", new FlowMod
        {
            Priority = 5,
            Instructions = InstructionList.Apply(
                new NxControllerAction(1234, 5678, OfpPacketInReason.InvalidTtl),
                new NxControllerAction(ControllerId: 3, Reason: OfpPacketInReason.NoMatch, MeterId: 7, Userdata: new byte[] { 1, 2 }, Pause: true),
                new NxControllerAction(MaxLen: 200, MeterId: 2)),
        },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD priority=5 actions=controller(reason=invalid_ttl,max_len=1234,id=5678),controller(reason=no_match,id=3,userdata=01.02,pause,meter_id=7),controller(max_len=200,meter_id=2)");
        yield return Of("flow_mod_tcp_flags_exact", new FlowMod
        {
            Match = Match.Of(OxmField.EthType(0x0800), OxmField.IpProto(6), OxmField.TcpFlags(0x012)),
            Instructions = InstructionList.Apply(new OutputAction(OfpPort.Normal)),
        },
            "OFPT_FLOW_MOD (OF1.3) (xid=0x1234): ADD tcp,tcp_flags=syn|ack actions=NORMAL");
        yield return Of("meter_mod_add", ServerMeter,
            "OFPT_METER_MOD (OF1.3) (xid=0x1234): ADD meter=1 pktps burst bands=", "type=drop rate=200 burst_size=50");
        yield return Of("meter_mod_modify", new MeterMod(OfpMeterModCommand.Modify, OfpMeterFlags.Kbps | OfpMeterFlags.Stats, 2,
            [MeterBand.Drop(1000, 0), new MeterBand(OfpMeterBandType.DscpRemark, 500, 0, PrecLevel: 1)]),
            "OFPT_METER_MOD (OF1.3) (xid=0x1234): MOD meter=2 kbps stats bands=", "type=drop rate=1000\ntype=dscp_remark rate=500 prec_level=1");
        yield return Of("meter_mod_delete", new MeterMod(OfpMeterModCommand.Delete, OfpMeterFlags.None, OfpMeter.All, []), "OFPT_METER_MOD (OF1.3) (xid=0x1234): DEL meter=all bands=");
        yield return Of("meter_config_request", new MeterConfigRequest(), "OFPST_METER_CONFIG request (OF1.3) (xid=0x1234): meter=all");
        yield return Of("meter_config_reply", new MeterConfigReply(OfpMultipartFlags.None,
        [
            new MeterConfig(OfpMeterFlags.Pktps | OfpMeterFlags.Burst, 1, [MeterBand.Drop(200, 50)]),
            new MeterConfig(OfpMeterFlags.Kbps, 2, [MeterBand.Drop(1000, 0), new MeterBand(OfpMeterBandType.DscpRemark, 500, 0, PrecLevel: 1)]),
        ]),
            "OFPST_METER_CONFIG reply (OF1.3) (xid=0x1234):", "meter=1 pktps burst bands=\ntype=drop rate=200 burst_size=50",
            "meter=2 kbps bands=\ntype=drop rate=1000\ntype=dscp_remark rate=500 prec_level=1");
        yield return Of("meter_features_request", new MeterFeaturesRequest(), "OFPST_METER_FEATURES request (OF1.3) (xid=0x1234):");
        yield return Of("meter_features_reply", new MeterFeaturesReply(new MeterFeatures(65536, 0b10, OfpMeterFlags.Kbps | OfpMeterFlags.Pktps | OfpMeterFlags.Burst | OfpMeterFlags.Stats, 1, 0)),
            "OFPST_METER_FEATURES reply (OF1.3) (xid=0x1234):", "max_meter:65536 max_bands:1 max_color:0", "band_types: drop", "capabilities: kbps pktps burst stats");
        yield return Of("meter_stats_request", new MeterStatsRequest { MeterId = 1 }, "OFPST_METER request (OF1.3) (xid=0x1234): meter=1");
        yield return Of("meter_stats_reply", new MeterStatsReply(OfpMultipartFlags.None,
        [
            new MeterStats(1, 5, 4096, 143360, 394, 174990148, [new MeterBandStats(126, 13363)]),
            new MeterStats(2, 0, 0, 0, 1, 0, []),
        ]),
            "OFPST_METER reply (OF1.3) (xid=0x1234):",
            "meter:1 flow_count:5 packet_in_count:4096 byte_in_count:143360 duration:394.174990148s bands:\n0: packet_count:126 byte_count:13363",
            "meter:2 flow_count:0 packet_in_count:0 byte_in_count:0 duration:1s bands:");
    }
}
