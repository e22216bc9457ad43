namespace Appliance.Pipeline;

/// <summary>The standby box of a pair (docs/pair.md): answers nothing for the VIP, forwards nothing to it.</summary>
public sealed partial class RuleBuilder
{
    /// <summary>Above the management path (900) and the VIP's own rules (800, 1000).</summary>
    private const ushort StandbyPriority = 1100;

    /// <summary>
    /// The VIP belongs to the active box: its ARP goes unanswered here, IPv4 to it and frames to its
    /// MAC are dropped (the buckets are empty anyway; this also stops the learning switch from
    /// sending the VIP's traffic anywhere). The standby keeps probing its servers over its own server
    /// ports (the management path, as on an active box).
    /// </summary>
    /// <remarks>
    /// Planned with the standby's server ports held down (port-mod, not built yet): then the
    /// management port's traffic to a server must leave by the office port and reach the server
    /// through the active box. Flooded while the
    /// server ports are up, each probe reached the server twice (directly and through the active
    /// box), the server's bridge relearned the standby's MAC on every probe, and the standby's probes
    /// of the slave timed out in bursts (lab, 2026-12-02): so not used until the ports are down.
    /// </remarks>
    private void AddStandby(List<FlowEntry> flows)
    {
        var drop = InstructionList.Empty;
        flows.Add(new(ClassifierTable, StandbyPriority, ArpRequestFor(_vip), Cookies.Of(RuleKind.PairStandby, 0), drop));
        flows.Add(new(ClassifierTable, StandbyPriority, Ipv4(OxmField.Ipv4Dst(_vip)), Cookies.Of(RuleKind.PairStandby, 1), drop));
        flows.Add(new(MacGuardTable, StandbyPriority, Match.Of(OxmField.EthDst(_vmac)), Cookies.Of(RuleKind.PairStandby, 2), drop));
    }
}
