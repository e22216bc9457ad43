using Appliance.Policy;

namespace Appliance.Pipeline;

/// <summary>The standby box of a pair (docs/pair.md): answers nothing for the VIP, forwards nothing to it.</summary>
public sealed partial class RuleBuilder
{
    /// <summary>Above the management path (900) and the VIP's own rules (800, 1000).</summary>
    private const ushort StandbyPriority = 1100;

    /// <summary>
    /// The VIP belongs to the active box: its ARP goes unanswered here, IPv4 to it and frames to its
    /// MAC are dropped (the buckets are empty anyway; this also stops the learning switch from
    /// sending the VIP's traffic anywhere). The standby keeps probing its servers, but its own server
    /// ports are down (the servers' bonds use the active box's legs), so the management port's
    /// traffic to a server is flooded instead of steered to the server's port: it leaves by the office
    /// port and reaches the server through the active box.
    /// </summary>
    private void AddStandby(List<FlowEntry> flows)
    {
        var drop = InstructionList.Empty;
        flows.Add(new(ClassifierTable, StandbyPriority, ArpRequestFor(_vip), Cookies.Of(RuleKind.PairStandby, 0), drop));
        flows.Add(new(ClassifierTable, StandbyPriority, Ipv4(OxmField.Ipv4Dst(_vip)), Cookies.Of(RuleKind.PairStandby, 1), drop));
        flows.Add(new(MacGuardTable, StandbyPriority, Match.Of(OxmField.EthDst(_vmac)), Cookies.Of(RuleKind.PairStandby, 2), drop));
        var flood = InstructionList.Apply(new OutputAction(OfpPort.Flood));
        foreach (var server in config.Servers)
        {
            var path = Cookies.Of(RuleKind.PairStandbyPath, server.Port);
            flows.Add(new(ClassifierTable, StandbyPriority, Ipv4(OxmField.InPort(OfpPort.Local), OxmField.Ipv4Dst(server.Address)), path, flood));
            flows.Add(new(ClassifierTable, StandbyPriority, Arp(OxmField.InPort(OfpPort.Local), OxmField.ArpTpa(server.Address)), path, flood));
        }
    }
}
