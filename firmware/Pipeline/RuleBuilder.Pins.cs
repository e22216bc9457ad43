using Appliance.Policy;

namespace Appliance.Pipeline;

/// <summary>
/// Connection pinning: a connection stays on the server it started on while that server lives,
/// whatever happens to the choice for new connections (failback, a probe's false alarm).
/// </summary>
/// <remarks>
/// Every packet to the VIP is looked up in the pin zone, where its connection's <c>ct_mark</c> is
/// the server it is pinned to (priority + 1; 0: none yet). Replies are looked up there too, so
/// conntrack sees both directions and keeps the connection as established, with that timeout.
/// <list type="bullet">
/// <item>Group <see cref="VipGroup"/> (new connections): one bucket per server the policy lists, in
/// its order; the bucket pins the connection to that server (commit in the pin zone with its mark).</item>
/// <item>Group <see cref="PinnedGroup"/> of server k: first the bucket that delivers to k (commit in
/// k's zone, with NAT in NAT mode), then buckets that re-pin to the servers new connections go to.
/// Fast failover falls through to them by itself when k's link dies; the firmware leaves out the
/// first bucket when k is hard-down. A re-pinned connection stays where it went, so a server coming
/// back takes only new connections.</item>
/// </list>
/// A re-pin only ever points at a server new connections go to, whose own bucket is there: a packet
/// is re-pinned once at most, never in a loop.
/// </remarks>
public sealed partial class RuleBuilder
{
    /// <summary>The fast-failover group of the connections pinned to the server of <paramref name="priority"/>.</summary>
    public static uint PinnedGroup(int priority) => VipGroup + 1 + (uint)priority;

    /// <summary>The <c>ct_mark</c> of a connection pinned to the server of <paramref name="priority"/>; 0 is none.</summary>
    public static uint PinOf(int priority) => (uint)priority + 1;

    /// <summary>
    /// The servers whose pinned group does not deliver to them, read back from the switch: those the
    /// firmware had declared hard-down before it restarted. Servers without a known MAC never have that
    /// bucket and are not counted.
    /// </summary>
    public IReadOnlySet<string> HardDownOf(RuleSet current)
    {
        var macs = MacsOf(current);
        var hard = new HashSet<string>();
        for (var priority = 0; priority < config.Servers.Count; priority++)
        {
            var server = config.Servers[priority];
            var group = current.Groups.FirstOrDefault(g => g.GroupId == PinnedGroup(priority) && g.Type == OfpGroupType.FastFailover);
            if (group is null || !macs.ContainsKey(server.Name)) continue;
            if (group.Buckets.Count == 0 || group.Buckets[0].WatchPort != server.Port) hard.Add(server.Name);
        }
        return hard;
    }

    private void AddPinning(List<FlowEntry> flows, IReadOnlyDictionary<string, MacAddress> macs)
    {
        flows.Add(new(ClassifierTable, 800, Ipv4(OxmField.Ipv4Dst(_vip)), Cookies.Of(RuleKind.VipToGroup), Track(PinZone, PinTable)));
        flows.Add(new(PinTable, 0, Match.Any, Cookies.Of(RuleKind.NewConnection), InstructionList.Apply(new GroupAction(VipGroup))));
        flows.Add(new(RepinTable, 0, Match.Any, Cookies.Of(RuleKind.NotCommitted), InstructionList.Empty));
        flows.Add(new(ReplyTable, 100, Ipv4(OxmField.Ipv4Src(_vip)), Cookies.Of(RuleKind.ReplyFromVip), Track(PinZone, ReplyOutTable)));
        flows.Add(new(ReplyOutTable, 0, Match.Any, Cookies.Of(RuleKind.ReplyFromVip, 1), FromVip()));
        for (var priority = 0; priority < config.Servers.Count; priority++)
        {
            var server = config.Servers[priority];
            var pinned = InstructionList.Apply(new GroupAction(PinnedGroup(priority)));
            flows.Add(new(PinTable, 100, Match.Of(OxmField.CtMark(PinOf(priority))), Cookies.Of(RuleKind.Pinned, server.Port), pinned));
            flows.Add(new(RepinTable, 100, Match.Of(OxmField.CtMark(PinOf(priority))), Cookies.Of(RuleKind.Pinned, server.Port), pinned));
            // A server's own traffic passes its zone: in NAT mode that translates replies back to
            // the VIP; in DSR mode (replies already from the VIP) it keeps the zone's count right.
            var fromServer = _nat
                ? new FlowEntry(ClassifierTable, 700, Ipv4(OxmField.InPort(server.Port)), Cookies.Of(RuleKind.ReplyTrack, server.Port),
                    InstructionList.Apply(new NxConntrackAction(NxConntrackFlags.None, ZoneOf(priority), ReplyTable, ActionList.Of(new NxNatAction()))))
                : new FlowEntry(ClassifierTable, 700, Ipv4(OxmField.InPort(server.Port), OxmField.Ipv4Src(_vip)), Cookies.Of(RuleKind.DsrReply, server.Port),
                    Track(ZoneOf(priority), ReplyTable));
            flows.Add(fromServer);
            if (macs.TryGetValue(server.Name, out var mac))
            {
                flows.Add(new(DeliverTable, 100, Match.Of(OxmField.EthType(EthTypeIpv4), OxmField.CtZone(ZoneOf(priority))), Cookies.Of(RuleKind.Deliver, server.Port),
                    InstructionList.Apply(new SetFieldAction(OxmField.EthDst(mac)), new OutputAction(server.Port))));
            }
        }
    }

    /// <param name="order">The servers new connections go to, in bucket order, that can be delivered to.</param>
    private List<GroupEntry> Groups(IReadOnlyList<int> order, DesiredSwitchState desired, IReadOnlyDictionary<string, MacAddress> macs)
    {
        var groups = new List<GroupEntry> { new(VipGroup, OfpGroupType.FastFailover, [.. order.Select(PinTo)]) };
        for (var priority = 0; priority < config.Servers.Count; priority++)
        {
            var server = config.Servers[priority];
            var buckets = new List<Bucket>();
            if (macs.ContainsKey(server.Name) && !desired.HardDown.Contains(server.Name)) buckets.Add(DeliverTo(priority));
            foreach (var other in order)
            {
                if (other != priority) buckets.Add(PinTo(other));
            }
            groups.Add(new GroupEntry(PinnedGroup(priority), OfpGroupType.FastFailover, [.. buckets]));
        }
        if (Fallback(order) is { } fallback) groups.Add(fallback);
        return groups;
    }

    /// <summary>Pins the connection to a server (its mark in the pin zone), then goes on to that server's pinned group.</summary>
    private Bucket PinTo(int priority) => new(
        ActionList.Of(new NxConntrackAction(NxConntrackFlags.Commit, PinZone, RepinTable, ActionList.Of(new SetFieldAction(OxmField.CtMark(PinOf(priority)))))),
        WatchPort: config.Servers[priority].Port);

    /// <summary>Commits the connection in the server's zone (translated to its address in NAT mode); table 4 hands it over.</summary>
    private Bucket DeliverTo(int priority)
    {
        var server = config.Servers[priority];
        var nat = _nat ? ActionList.Of(new NxNatAction(NxNatFlags.Destination, server.Address)) : default;
        return new Bucket(ActionList.Of(new NxConntrackAction(NxConntrackFlags.Commit, ZoneOf(priority), DeliverTable, nat)), WatchPort: server.Port);
    }

    private static InstructionList Track(ushort zone, byte table) => InstructionList.Apply(new NxConntrackAction(NxConntrackFlags.None, zone, table));
}
