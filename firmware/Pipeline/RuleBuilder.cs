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
/// <item><term>0</term><description>MAC guard: a frame whose source MAC belongs to another port (a
/// server's, the management port's, the VIP's) is dropped, so nothing from the office can move a
/// server's MAC in the learning switch's table (<see cref="RuleBuilder"/>.Guard.cs).</description></item>
/// <item><term>1</term><description>Address guard: ARP and IPv4 that claim an address of another port
/// (a server's, the management address, the VIP) are dropped.</description></item>
/// <item><term>2</term><description>Classifier. ARP for the VIP is answered here; IPv4 to the VIP is
/// looked up in the pin zone (to table 5); a server's traffic goes through its conntrack zone (to
/// table 3) so replies are translated back (NAT) and counted; traffic between the management port
/// and a server's address goes straight to the right port; everything else is <c>NORMAL</c>.</description></item>
/// <item><term>3</term><description>Replies now from the VIP are looked up in the pin zone too (to
/// table 6), which keeps their connection established there; in NAT mode replies to the management
/// address go to the management port; all others go <c>NORMAL</c>.</description></item>
/// <item><term>4</term><description>After a pinned group's <c>ct(commit)</c> in a server's zone, the
/// packet is handed to the server of that zone. The conntrack action cannot be followed by an output
/// in the same bucket (OVS drops it there), hence the recirculation.</description></item>
/// <item><term>5</term><description>The connection's pin (its <c>ct_mark</c>) picks the server's pinned
/// group; a connection without one goes to the new-connections group.</description></item>
/// <item><term>6</term><description>Replies from the VIP leave with the VIP's MAC.</description></item>
/// <item><term>7</term><description>Just pinned or re-pinned: the new pin picks the pinned group; a
/// packet conntrack would not commit (zone full, invalid) is dropped.</description></item>
/// <item><term>8</term><description>Passive health: a server's refusal of a connection it never
/// answered goes to the firmware through the server's meter; a connection's first answer is
/// marked (RuleBuilder.Passive.cs).</description></item>
/// <item><term>9</term><description>What the switch learned by itself when the active server refused a
/// client (RuleBuilder.Reflex.cs).</description></item>
/// <item><term>10</term><description>The reflex's dispatch: a learned refusal sends new connections and
/// those pinned to the active server to the fallback group.</description></item>
/// </list>
/// Each server has its own conntrack zone, so a connection that moves to another server is
/// translated afresh for it instead of keeping the old server's mapping (RuleBuilder.Pins.cs).
/// </remarks>
public sealed partial class RuleBuilder(ApplianceConfig config)
{
    /// <summary>The fast-failover group of new connections: its buckets pin a connection to a server.</summary>
    public const uint VipGroup = 1;

    private const byte MacGuardTable = 0;
    private const byte AddressGuardTable = 1;
    private const byte ClassifierTable = 2;
    private const byte ReplyTable = 3;
    private const byte DeliverTable = 4;
    private const byte PinTable = 5;
    private const byte ReplyOutTable = 6;
    private const byte RepinTable = 7;
    private const ushort EthTypeIpv4 = 0x0800;
    private const ushort EthTypeArp = 0x0806;

    private readonly IPAddress _vip = config.Service.Vip;
    private readonly MacAddress _vmac = config.Service.Vmac;
    private readonly bool _nat = config.Service.Mode == ServiceMode.Nat;

    /// <summary>The conntrack zone of a server: one per server, from <c>service.conntrack_zone</c> on (never zone 0, which other users share).</summary>
    public ushort ZoneOf(int priority) => (ushort)(config.Service.ConntrackZone + priority);

    /// <summary>The zone where every connection to the VIP carries its pin: the one after the servers' zones.</summary>
    public ushort PinZone => ZoneOf(config.Servers.Count);

    /// <param name="desired">The servers new connections go to, in bucket order, and those whose connections move.</param>
    /// <param name="macs">Server MACs, configured or learned. A server without one cannot be delivered to and is left out.</param>
    /// <param name="managementMac">The MAC of the bridge's internal port, when known: the guard keeps it to that port.</param>
    public RuleSet Build(DesiredSwitchState desired, IReadOnlyDictionary<string, MacAddress> macs, MacAddress? managementMac = null)
    {
        var flows = new List<FlowEntry>();
        AddGuard(flows, macs, managementMac);
        AddManagementPath(flows, macs, managementMac);
        if (desired.Standby)
        {
            AddStandby(flows);
        }
        else
        {
            flows.Add(new(ClassifierTable, 1000, ArpRequestFor(_vip), Cookies.Of(RuleKind.ArpResponder), ArpResponder(_vip, _vmac)));
        }
        flows.Add(new(ClassifierTable, 0, Match.Any, Cookies.Of(RuleKind.Normal), Normal()));
        flows.Add(new(ReplyTable, 0, Match.Any, Cookies.Of(RuleKind.Normal, 1), Normal()));
        AddPinning(flows, macs);
        // Only servers that can be delivered to: a bucket for a server without a MAC would black-hole.
        var order = desired.Buckets.Select(config.PriorityOf).Where(p => p >= 0 && macs.ContainsKey(config.Servers[p].Name)).ToList();
        AddPassiveHealth(flows, order);
        AddReflex(flows, order);
        return new RuleSet(flows, Groups(order, desired, macs)) { Meters = Meters(), Learned = Learned(order) };
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

    private ActionList FromVipActions => ActionList.Of(new SetFieldAction(OxmField.EthSrc(_vmac)), new OutputAction(OfpPort.Normal));

    private InstructionList FromVip() => InstructionList.Of(new ApplyActionsInstruction(FromVipActions));

    private static InstructionList Normal() => InstructionList.Apply(new OutputAction(OfpPort.Normal));
}
