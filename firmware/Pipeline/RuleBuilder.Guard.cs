using System.Net;

namespace Appliance.Pipeline;

/// <summary>
/// The ingress guard (tables 0 and 1) and the management path: what the box knows about its ports
/// is bound to them in the switch, so nothing the office port sends can redirect the health probes
/// or the box's view of its servers.
/// </summary>
/// <remarks>
/// Every owned source is bound to its owner's port: a server's MAC and address to the server's
/// port, the management MAC and address to the bridge's internal port (LOCAL), the VIP and its MAC
/// to no port at all (the switch itself answers for the VIP, and in DSR mode the servers send from
/// it). A frame from the owner's port passes on; the same claim from any other port is dropped, and
/// the drop rules' counters are what <see cref="GuardDrops"/> reports. A frame that claims nothing
/// owned passes: the office keeps its own addresses.
/// </remarks>
public sealed partial class RuleBuilder
{
    private const ushort PassPriority = 300;
    private const ushort DropPriority = 200;

    /// <summary>Above the ARP responder and the VIP: the box's own traffic to a server never depends on the LAN's ARP or MAC learning.</summary>
    private const ushort ToServerPriority = 900;

    /// <summary>Below a DSR server's replies from the VIP, which leave with the VIP's MAC whoever asked.</summary>
    private const ushort ToManagementPriority = 650;

    /// <summary>
    /// Server MACs as the current rules carry them (each known server's MAC is bound to its port in
    /// the MAC guard), so a restarted firmware need not wait for ARP before it can rebuild exactly
    /// what the switch already has.
    /// </summary>
    public IReadOnlyDictionary<string, MacAddress> MacsOf(RuleSet current)
    {
        var macs = new Dictionary<string, MacAddress>();
        foreach (var flow in current.Flows)
        {
            if (flow.TableId != MacGuardTable || Cookies.KindOf(flow.Cookie) != RuleKind.GuardPass) continue;
            if (flow.Match.InPort is { } port && config.FindServerByPort(port) is { } server && flow.Match.TryGet(OxmFieldId.EthSrc, out var mac))
            {
                macs[server.Name] = mac.AsMac;
            }
        }
        return macs;
    }

    private void AddGuard(List<FlowEntry> flows, IReadOnlyDictionary<string, MacAddress> macs, MacAddress? managementMac)
    {
        foreach (var (mac, owner) in OwnedMacs(macs, managementMac))
        {
            if (owner != Cookies.Nobody) flows.Add(Pass(MacGuardTable, Match.Of(OxmField.InPort(owner), OxmField.EthSrc(mac)), owner));
            flows.Add(Drop(MacGuardTable, Match.Of(OxmField.EthSrc(mac)), RuleKind.MacGuard, owner));
        }
        flows.Add(new(MacGuardTable, 0, Match.Any, Cookies.Of(RuleKind.GuardPass, Cookies.Nobody), InstructionList.Of(new GotoTableInstruction(AddressGuardTable))));

        foreach (var server in config.Servers) AddOwnedAddress(flows, server.Address, server.Port);
        AddOwnedAddress(flows, config.Bridge.ManagementAddress, OfpPort.Local);
        // Nobody answers ARP for the VIP but the switch (a DSR server's loopback VIP must stay silent too).
        flows.Add(Drop(AddressGuardTable, Arp(OxmField.ArpSpa(_vip)), RuleKind.ArpGuard, Cookies.Nobody));
        if (!_nat)
        {
            foreach (var server in config.Servers) flows.Add(Pass(AddressGuardTable, Ipv4(OxmField.InPort(server.Port), OxmField.Ipv4Src(_vip)), server.Port));
        }
        flows.Add(Drop(AddressGuardTable, Ipv4(OxmField.Ipv4Src(_vip)), RuleKind.Ipv4Guard, Cookies.Nobody));
        flows.Add(new(AddressGuardTable, 0, Match.Any, Cookies.Of(RuleKind.GuardPass, Cookies.Nobody), InstructionList.Of(new GotoTableInstruction(ClassifierTable))));
    }

    private void AddOwnedAddress(List<FlowEntry> flows, IPAddress address, uint owner)
    {
        flows.Add(Pass(AddressGuardTable, Arp(OxmField.InPort(owner), OxmField.ArpSpa(address)), owner));
        flows.Add(Drop(AddressGuardTable, Arp(OxmField.ArpSpa(address)), RuleKind.ArpGuard, owner));
        flows.Add(Pass(AddressGuardTable, Ipv4(OxmField.InPort(owner), OxmField.Ipv4Src(address)), owner));
        flows.Add(Drop(AddressGuardTable, Ipv4(OxmField.Ipv4Src(address)), RuleKind.Ipv4Guard, owner));
    }

    /// <summary>
    /// Each owned MAC once, with the port it belongs to: the VIP's (nobody's) first, then the
    /// management port's, then the servers' in priority order. A MAC claimed twice (a server that
    /// answered with another's MAC) stays with its first owner.
    /// </summary>
    private List<(MacAddress Mac, uint Owner)> OwnedMacs(IReadOnlyDictionary<string, MacAddress> macs, MacAddress? managementMac)
    {
        var owned = new List<(MacAddress Mac, uint Owner)> { (_vmac, Cookies.Nobody) };
        if (managementMac is { } management) owned.Add((management, OfpPort.Local));
        foreach (var server in config.Servers)
        {
            if (macs.TryGetValue(server.Name, out var mac)) owned.Add((mac, server.Port));
        }
        return [.. owned.DistinctBy(o => o.Mac)];
    }

    /// <summary>
    /// The management port's traffic to each server goes to that server's port with the server's
    /// MAC, and a server's traffic to the management address goes to the management port, whatever
    /// the box's neighbour cache or the learning switch believe.
    /// </summary>
    private void AddManagementPath(List<FlowEntry> flows, IReadOnlyDictionary<string, MacAddress> macs, MacAddress? managementMac)
    {
        var management = config.Bridge.ManagementAddress;
        var toManagement = managementMac is { } m
            ? InstructionList.Apply(new SetFieldAction(OxmField.EthDst(m)), new OutputAction(OfpPort.Local))
            : InstructionList.Apply(new OutputAction(OfpPort.Local));
        foreach (var server in config.Servers)
        {
            var toServer = macs.TryGetValue(server.Name, out var mac)
                ? InstructionList.Apply(new SetFieldAction(OxmField.EthDst(mac)), new OutputAction(server.Port))
                : InstructionList.Apply(new OutputAction(server.Port));
            var path = Cookies.Of(RuleKind.ManagementPath, server.Port);
            flows.Add(new(ClassifierTable, ToServerPriority, Ipv4(OxmField.InPort(OfpPort.Local), OxmField.Ipv4Dst(server.Address)), path, toServer));
            // ARP keeps its destination: a broadcast request must still reach a server whose MAC changed.
            flows.Add(new(ClassifierTable, ToServerPriority, Arp(OxmField.InPort(OfpPort.Local), OxmField.ArpTpa(server.Address)), path, InstructionList.Apply(new OutputAction(server.Port))));
            flows.Add(new(ClassifierTable, ToManagementPriority, Arp(OxmField.InPort(server.Port), OxmField.ArpTpa(management)), path, InstructionList.Apply(new OutputAction(OfpPort.Local))));
            // NAT mode sends a server's IPv4 through its conntrack zone first: replies to a
            // management connection to the VIP must be translated back (table 3 then delivers).
            if (!_nat) flows.Add(new(ClassifierTable, ToManagementPriority, Ipv4(OxmField.InPort(server.Port), OxmField.Ipv4Dst(management)), path, toManagement));
        }
        if (_nat) flows.Add(new(ReplyTable, 50, Ipv4(OxmField.Ipv4Dst(management)), Cookies.Of(RuleKind.ManagementPath, OfpPort.Local), toManagement));
    }

    private static FlowEntry Pass(byte table, Match match, uint owner) =>
        new(table, PassPriority, match, Cookies.Of(RuleKind.GuardPass, owner), InstructionList.Of(new GotoTableInstruction((byte)(table + 1))));

    private static FlowEntry Drop(byte table, Match match, RuleKind guard, uint owner) =>
        new(table, DropPriority, match, Cookies.Of(guard, owner), InstructionList.Empty);

    private static Match Arp(params ReadOnlySpan<OxmField> fields) => Match.Of([OxmField.EthType(EthTypeArp), .. fields]);

    private static Match Ipv4(params ReadOnlySpan<OxmField> fields) => Match.Of([OxmField.EthType(EthTypeIpv4), .. fields]);
}
