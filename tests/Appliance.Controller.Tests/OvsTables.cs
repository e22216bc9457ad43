namespace Appliance.Controller.Tests;

/// <summary>
/// The flow, group and meter tables of one bridge, changed the way Open vSwitch changes them (the idea
/// of Faucet's FakeOFTable). Messages arrive as bytes and are decoded, as the switch would;
/// entries are reported back with their match fields in an order of the switch's own.
/// </summary>
/// <remarks>
/// What OVS does and this keeps: a FLOW_MOD ADD replaces the entry with the same table, priority
/// and match, cookie and instructions included; DELETE_STRICT removes exactly that entry; DELETE
/// and MODIFY select by table, cookie under its mask, out_port, out_group and a match at least as
/// wide; a flow whose actions name a missing group is refused (OFPBAC_BAD_OUT_GROUP); GROUP_MOD
/// ADD of an existing group fails with OFPGMFC_GROUP_EXISTS, MODIFY of a missing one with
/// OFPGMFC_UNKNOWN_GROUP, and DELETE removes the group and every flow whose actions use it.
/// METER_MOD likewise: ADD of an existing meter fails with OFPMMFC_METER_EXISTS, MODIFY of a missing
/// one with OFPMMFC_UNKNOWN_METER, an ADD or MODIFY of meter 0 or past OFPM_MAX (but the slowpath and
/// controller meters) with OFPMMFC_INVALID_METER; DELETE of a missing meter is no error, and DELETE
/// removes every flow whose meter instruction names the meter; a flow whose meter instruction names a
/// missing meter is refused (OFPMMFC_INVALID_METER). A controller action's meter_id is not checked:
/// OVS takes such a flow and logs the unknown meter.
/// Packet counters are kept as far as tests set them (<see cref="CountPackets"/>): an ADD that
/// replaces an entry keeps its counters, as OVS does without OFPFF_RESET_COUNTS. Not kept:
/// timeouts, byte counters, overlap checks, table-miss defaults; the firmware uses none.
/// </remarks>
internal sealed class OvsTables
{
    private readonly record struct FlowKey(byte TableId, ushort Priority, Match Match);

    private readonly Dictionary<FlowKey, FlowStats> _flows = [];
    private readonly SortedDictionary<uint, GroupDesc> _groups = [];
    private readonly SortedDictionary<uint, MeterConfig> _meters = [];

    public IReadOnlyList<FlowStats> Flows => [.. _flows.Values.Select(Reported)];

    public IReadOnlyList<GroupDesc> Groups => [.. _groups.Values];

    public IReadOnlyList<MeterConfig> Meters => [.. _meters.Values];

    /// <summary>Applies one message as received; the error the switch answers with, or null.</summary>
    public OfpErrorCode? Apply(byte[] wire)
    {
        OfpHeader.TryRead(wire, out var header);
        switch (header.Type)
        {
            case OfpType.FlowMod:
                return OfpCodec.TryDecode<FlowMod>(wire, out var flowMod, out var flowError) ? Apply(flowMod) : flowError.Code;
            case OfpType.GroupMod:
                return OfpCodec.TryDecode<GroupMod>(wire, out var groupMod, out var groupError) ? Apply(groupMod) : groupError.Code;
            case OfpType.MeterMod:
                return OfpCodec.TryDecode<MeterMod>(wire, out var meterMod, out var meterError) ? Apply(meterMod) : meterError.Code;
            case OfpType.PacketOut:
                // Sent, not kept: a packet-out changes no table (the test reads it from the batches).
                return OfpCodec.TryDecode<PacketOut>(wire, out _, out var packetError) ? null : packetError.Code;
            default:
                return OfpErrorCode.Of(OfpBadRequestCode.BadType);
        }
    }

    /// <summary>The entries an <c>OFPMP_FLOW</c> request selects.</summary>
    public ValueList<FlowStats> Read(FlowSelector selector) =>
        [.. _flows.Values.Where(f => Selects(f, selector.TableId, selector.Cookie, selector.CookieMask, selector.OutPort, selector.OutGroup, selector.Match)).Select(Reported)];

    /// <summary>Adds packets to the counters of the flows <paramref name="which"/> picks (as the switch reports them).</summary>
    public void CountPackets(Func<FlowStats, bool> which, ulong packets)
    {
        foreach (var (key, flow) in _flows.ToArray())
        {
            if (which(Reported(flow))) _flows[key] = flow with { PacketCount = flow.PacketCount + packets };
        }
    }

    /// <summary>The switch lost everything: ovs-vswitchd restarted without restoring its flows.</summary>
    public void Clear()
    {
        _flows.Clear();
        _groups.Clear();
        _meters.Clear();
    }

    private OfpErrorCode? Apply(FlowMod mod)
    {
        if (mod.Command is OfpFlowModCommand.Add or OfpFlowModCommand.Modify or OfpFlowModCommand.ModifyStrict)
        {
            if (mod.TableId > OfpTable.Max) return OfpErrorCode.Of(OfpFlowModFailedCode.BadTableId);
            if (GroupsOf(mod.Instructions).Any(g => !_groups.ContainsKey(g))) return OfpErrorCode.Of(OfpBadActionCode.BadOutGroup);
            if (MeterOf(mod.Instructions) is { } meter && !_meters.ContainsKey(meter)) return OfpErrorCode.Of(OfpMeterModFailedCode.InvalidMeter);
        }
        switch (mod.Command)
        {
            case OfpFlowModCommand.Add:
                var added = new FlowKey(mod.TableId, mod.Priority, mod.Match);
                var packets = _flows.TryGetValue(added, out var replaced) ? replaced.PacketCount : 0;
                _flows[added] = new FlowStats(
                    mod.TableId, 0, 0, mod.Priority, mod.IdleTimeout, mod.HardTimeout, mod.Flags, mod.Cookie, packets, 0, mod.Match, mod.Instructions);
                break;
            case OfpFlowModCommand.Modify or OfpFlowModCommand.ModifyStrict:
                // OpenFlow 1.3 modifies instructions only; the cookie stays, and nothing selected adds nothing.
                foreach (var (key, flow) in Selected(mod).ToArray()) _flows[key] = flow with { Instructions = mod.Instructions };
                break;
            case OfpFlowModCommand.Delete or OfpFlowModCommand.DeleteStrict:
                foreach (var (key, _) in Selected(mod).ToArray()) _flows.Remove(key);
                break;
            default:
                return OfpErrorCode.Of(OfpFlowModFailedCode.BadCommand);
        }
        return null;
    }

    private IEnumerable<KeyValuePair<FlowKey, FlowStats>> Selected(FlowMod mod)
    {
        var strict = mod.Command is OfpFlowModCommand.ModifyStrict or OfpFlowModCommand.DeleteStrict;
        // MODIFY ignores out_port and out_group (OF1.3.5 §6.4); DELETE honours them.
        var delete = mod.Command is OfpFlowModCommand.Delete or OfpFlowModCommand.DeleteStrict;
        var outPort = delete ? mod.OutPort : OfpPort.Any;
        var outGroup = delete ? mod.OutGroup : OfpGroup.Any;
        return _flows.Where(p => (!strict || (p.Key.Priority == mod.Priority && p.Key.Match == mod.Match))
            && Selects(p.Value, mod.TableId, mod.Cookie, mod.CookieMask, outPort, outGroup, mod.Match));
    }

    private OfpErrorCode? Apply(GroupMod mod)
    {
        switch (mod.Command)
        {
            case OfpGroupModCommand.Add:
                if (mod.GroupId > OfpGroup.Max) return OfpErrorCode.Of(OfpGroupModFailedCode.InvalidGroup);
                if (_groups.ContainsKey(mod.GroupId)) return OfpErrorCode.Of(OfpGroupModFailedCode.GroupExists);
                _groups[mod.GroupId] = new GroupDesc(mod.GroupType, mod.GroupId, mod.Buckets);
                return null;
            case OfpGroupModCommand.Modify:
                if (!_groups.ContainsKey(mod.GroupId)) return OfpErrorCode.Of(OfpGroupModFailedCode.UnknownGroup);
                _groups[mod.GroupId] = new GroupDesc(mod.GroupType, mod.GroupId, mod.Buckets);
                return null;
            case OfpGroupModCommand.Delete:
                // Deleting a group that does not exist is no error; deleting one takes its flows with it.
                HashSet<uint> deleted = mod.GroupId == OfpGroup.All ? [.. _groups.Keys] : [mod.GroupId];
                foreach (var id in deleted) _groups.Remove(id);
                foreach (var (key, _) in _flows.Where(p => GroupsOf(p.Value.Instructions).Any(deleted.Contains)).ToArray()) _flows.Remove(key);
                return null;
            default:
                return OfpErrorCode.Of(OfpGroupModFailedCode.BadCommand);
        }
    }

    private OfpErrorCode? Apply(MeterMod mod)
    {
        if (mod.Command is OfpMeterModCommand.Add or OfpMeterModCommand.Modify
            && (mod.MeterId == 0 || (mod.MeterId > OfpMeter.Max && mod.MeterId is not (OfpMeter.SlowPath or OfpMeter.Controller))))
        {
            return OfpErrorCode.Of(OfpMeterModFailedCode.InvalidMeter);
        }
        switch (mod.Command)
        {
            case OfpMeterModCommand.Add:
                if (_meters.ContainsKey(mod.MeterId)) return OfpErrorCode.Of(OfpMeterModFailedCode.MeterExists);
                _meters[mod.MeterId] = new MeterConfig(mod.Flags, mod.MeterId, mod.Bands);
                return null;
            case OfpMeterModCommand.Modify:
                if (!_meters.ContainsKey(mod.MeterId)) return OfpErrorCode.Of(OfpMeterModFailedCode.UnknownMeter);
                _meters[mod.MeterId] = new MeterConfig(mod.Flags, mod.MeterId, mod.Bands);
                return null;
            case OfpMeterModCommand.Delete:
                // Meter 0 does not exist in OpenFlow: OVS deletes nothing for it.
                HashSet<uint> deleted = mod.MeterId == OfpMeter.All ? [.. _meters.Keys] : _meters.ContainsKey(mod.MeterId) ? [mod.MeterId] : [];
                foreach (var id in deleted) _meters.Remove(id);
                foreach (var (key, _) in _flows.Where(p => MeterOf(p.Value.Instructions) is { } m && deleted.Contains(m)).ToArray()) _flows.Remove(key);
                return null;
            default:
                return OfpErrorCode.Of(OfpMeterModFailedCode.BadCommand);
        }
    }

    /// <summary>Whether a non-strict request selects the flow: table, cookie under its mask, out_port, out_group, and a match no narrower than the flow's.</summary>
    private static bool Selects(FlowStats flow, byte tableId, ulong cookie, ulong cookieMask, uint outPort, uint outGroup, Match match)
    {
        if (tableId != OfpTable.All && flow.TableId != tableId) return false;
        if ((flow.Cookie & cookieMask) != (cookie & cookieMask)) return false;
        if (outPort != OfpPort.Any && !ActionsOf(flow.Instructions).OfType<OutputAction>().Any(o => o.Port == outPort)) return false;
        if (outGroup != OfpGroup.Any && !GroupsOf(flow.Instructions).Contains(outGroup)) return false;
        foreach (var field in match)
        {
            if (!flow.Match.TryGet(field.Id, out var theirs) || theirs != field) return false;
        }
        return true;
    }

    private static IEnumerable<OfpAction> ActionsOf(InstructionList instructions) =>
        instructions.OfType<ActionsInstruction>().SelectMany(i => i.Actions);

    private static IEnumerable<uint> GroupsOf(InstructionList instructions) =>
        ActionsOf(instructions).OfType<GroupAction>().Select(g => g.GroupId);

    private static uint? MeterOf(InstructionList instructions) => instructions.OfType<MeterInstruction>().FirstOrDefault()?.MeterId;

    /// <summary>The entry as a FLOW reply carries it: OVS writes match fields in its own order, not the controller's.</summary>
    private static FlowStats Reported(FlowStats flow)
    {
        var fields = new List<OxmField>();
        foreach (var field in flow.Match) fields.Add(field);
        fields.Reverse();
        return flow with { Match = Match.Of([.. fields]) };
    }
}
