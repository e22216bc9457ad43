using System.Net;
using Appliance.Config;
using Appliance.Policy;

namespace Appliance.Pipeline;

/// <summary>
/// Turns the policy's desired state into the complete rule set of the bridge.
/// </summary>
/// <remarks>
/// Tables:
/// <list type="table">
/// <item><term>0</term><description>Classifier. ARP for the VIP is answered here; IPv4 to the VIP goes
/// to the fast-failover group; in NAT mode a server's IPv4 goes through its conntrack zone (to table 1)
/// so replies are translated back; everything else is <c>NORMAL</c>.</description></item>
/// <item><term>1</term><description>NAT mode: packets now from the VIP (replies) get the VIP's MAC as
/// source; all then go <c>NORMAL</c>.</description></item>
/// <item><term>2</term><description>NAT mode: after the bucket's <c>ct(commit,nat)</c>, the packet is
/// handed to the server of its zone. The conntrack action cannot be followed by an output in the
/// same bucket (OVS drops it there), hence the recirculation.</description></item>
/// </list>
/// Each server has its own conntrack zone, so a flow that moves to another server is translated
/// afresh for it instead of keeping the old server's mapping.
/// </remarks>
public sealed class RuleBuilder(ApplianceConfig config)
{
    public const uint VipGroup = 1;

    private const byte ClassifierTable = 0;
    private const byte ReplyTable = 1;
    private const byte DeliverTable = 2;
    private const ushort EthTypeIpv4 = 0x0800;
    private const ushort EthTypeArp = 0x0806;

    private readonly IPAddress _vip = config.Service.Vip;
    private readonly MacAddress _vmac = config.Service.Vmac;

    /// <summary>The conntrack zone of a server: one per server, never zone 0 (the default zone other users share).</summary>
    public static ushort ZoneOf(int priority) => (ushort)(100 + priority);

    /// <param name="desired">The servers the group sends to, in bucket order.</param>
    /// <param name="macs">Server MACs, configured or learned. A server without one cannot be delivered to and is left out.</param>
    public RuleSet Build(DesiredSwitchState desired, IReadOnlyDictionary<string, MacAddress> macs)
    {
        var flows = new List<FlowEntry>
        {
            new(ClassifierTable, 1000, ArpRequestFor(_vip), Cookies.Of(RuleKind.ArpResponder), ArpResponder(_vip, _vmac)),
            new(ClassifierTable, 800, Match.Of(OxmField.EthType(EthTypeIpv4), OxmField.Ipv4Dst(_vip)), Cookies.Of(RuleKind.VipToGroup), InstructionList.Apply(new GroupAction(VipGroup))),
            new(ClassifierTable, 0, Match.Any, Cookies.Of(RuleKind.Normal), Normal()),
        };
        var nat = config.Service.Mode == ServiceMode.Nat;
        if (nat)
        {
            flows.Add(new(ReplyTable, 100, Match.Of(OxmField.EthType(EthTypeIpv4), OxmField.Ipv4Src(_vip)), Cookies.Of(RuleKind.ReplyFromVip), FromVip()));
            flows.Add(new(ReplyTable, 0, Match.Any, Cookies.Of(RuleKind.Normal, 1), Normal()));
        }
        for (var priority = 0; priority < config.Servers.Count; priority++)
        {
            var server = config.Servers[priority];
            flows.Add(new(ClassifierTable, 1100,
                Match.Of(OxmField.InPort(server.Port), OxmField.EthType(EthTypeArp), OxmField.ArpSpa(_vip)),
                Cookies.Of(RuleKind.VipArpGuard, server.Port), InstructionList.Empty));
            if (nat)
            {
                flows.Add(new(ClassifierTable, 700, Match.Of(OxmField.InPort(server.Port), OxmField.EthType(EthTypeIpv4)), Cookies.Of(RuleKind.ReplyTrack, server.Port),
                    InstructionList.Apply(new NxConntrackAction(NxConntrackFlags.None, ZoneOf(priority), ReplyTable, ActionList.Of(new NxNatAction())))));
                if (macs.TryGetValue(server.Name, out var mac))
                {
                    flows.Add(new(DeliverTable, 100, Match.Of(OxmField.EthType(EthTypeIpv4), OxmField.CtZone(ZoneOf(priority))), Cookies.Of(RuleKind.Deliver, server.Port),
                        InstructionList.Apply(new SetFieldAction(OxmField.EthDst(mac)), new OutputAction(server.Port))));
                }
            }
            else
            {
                flows.Add(new(ClassifierTable, 700, Match.Of(OxmField.InPort(server.Port), OxmField.EthType(EthTypeIpv4), OxmField.Ipv4Src(_vip)),
                    Cookies.Of(RuleKind.DsrReply, server.Port), FromVip()));
            }
        }

        var buckets = new List<Bucket>();
        foreach (var name in desired.Buckets)
        {
            var priority = config.PriorityOf(name);
            if (priority < 0 || !macs.TryGetValue(name, out var mac)) continue;
            var server = config.Servers[priority];
            var actions = nat
                ? ActionList.Of(new NxConntrackAction(NxConntrackFlags.Commit, ZoneOf(priority), DeliverTable,
                    ActionList.Of(new NxNatAction(NxNatFlags.Destination, server.Address))))
                : ActionList.Of(new SetFieldAction(OxmField.EthDst(mac)), new OutputAction(server.Port));
            buckets.Add(new Bucket(actions, WatchPort: server.Port));
        }
        return new RuleSet(flows, [new GroupEntry(VipGroup, OfpGroupType.FastFailover, [.. buckets])]);
    }

    /// <summary>
    /// The servers a fast-failover group sends to, in bucket order, read back from its watch ports:
    /// what the firmware decided before it restarted.
    /// </summary>
    public IReadOnlyList<string>? ServersOf(RuleSet current)
    {
        var group = current.Groups.FirstOrDefault(g => g.GroupId == VipGroup && g.Type == OfpGroupType.FastFailover);
        if (group is null) return null;
        return [.. group.Buckets.Select(b => config.FindServerByPort(b.WatchPort)?.Name).OfType<string>()];
    }

    /// <summary>
    /// Server MACs as the current rules carry them, so a restarted firmware need not wait for ARP
    /// before it can rebuild exactly what the switch already has.
    /// </summary>
    public IReadOnlyDictionary<string, MacAddress> MacsOf(RuleSet current)
    {
        var macs = new Dictionary<string, MacAddress>();
        var nat = config.Service.Mode == ServiceMode.Nat;
        // NAT mode sets the server's MAC in its delivery rule, DSR mode in its bucket.
        var actionLists = nat
            ? current.Flows.Where(f => f.TableId == DeliverTable)
                .SelectMany(f => f.Instructions.OfType<ApplyActionsInstruction>().Select(i => i.Actions))
            : current.Groups.Where(g => g.GroupId == VipGroup).SelectMany(g => g.Buckets).Select(b => b.Actions);
        foreach (var actions in actionLists)
        {
            MacAddress? mac = null;
            foreach (var action in actions)
            {
                if (action is SetFieldAction set && set.Field.Id == OxmFieldId.EthDst) mac = set.Field.AsMac;
                if (action is OutputAction output && mac is { } found && config.FindServerByPort(output.Port) is { } server) macs[server.Name] = found;
            }
        }
        return macs;
    }

    /// <summary>An ARP request asking who has <paramref name="vip"/>.</summary>
    public static Match ArpRequestFor(IPAddress vip) => Match.Of(OxmField.EthType(EthTypeArp), OxmField.ArpOp(1), OxmField.ArpTpa(vip));

    /// <summary>
    /// Turns an ARP request for the VIP into the reply, in the switch: swap the addresses, answer
    /// with the VIP's MAC, send it back where it came from. Works while the firmware is down.
    /// </summary>
    public static InstructionList ArpResponder(IPAddress vip, MacAddress vmac) => InstructionList.Apply(
        NxRegMoveAction.Whole(NxmField.EthSrc, NxmField.EthDst),
        new SetFieldAction(OxmField.EthSrc(vmac)),
        new SetFieldAction(OxmField.ArpOp(2)),
        NxRegMoveAction.Whole(NxmField.ArpSha, NxmField.ArpTha),
        NxRegMoveAction.Whole(NxmField.ArpSpa, NxmField.ArpTpa),
        new SetFieldAction(OxmField.ArpSha(vmac)),
        new SetFieldAction(OxmField.ArpSpa(vip)),
        new OutputAction(OfpPort.InPort));

    private InstructionList FromVip() => InstructionList.Apply(new SetFieldAction(OxmField.EthSrc(_vmac)), new OutputAction(OfpPort.Normal));

    private static InstructionList Normal() => InstructionList.Apply(new OutputAction(OfpPort.Normal));
}
