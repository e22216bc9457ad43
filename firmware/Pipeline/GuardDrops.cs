using Appliance.Config;

namespace Appliance.Pipeline;

/// <summary>One drop rule of the ingress guard and what it has dropped so far.</summary>
/// <param name="Guard"><c>mac</c>, <c>arp</c> or <c>ipv4</c>.</param>
/// <param name="Owner">Whose MAC or address the dropped frames claimed: a server's name, <c>management</c> or <c>vip</c>.</param>
/// <param name="Rule">The rule, as the switch identifies it: its counters restart when it is replaced.</param>
public readonly record struct GuardDrop(string Guard, string Owner, FlowKey Rule, ulong Packets);

/// <summary>Reads the guard's drop counters out of the switch's flow statistics.</summary>
public static class GuardDrops
{
    /// <summary>Every guard rule (drops and passes) with its counters, in one FLOW request.</summary>
    public static FlowStatsRequest Request { get; } = new(new FlowSelector { Cookie = Cookies.Guard, CookieMask = Cookies.GuardMask });

    /// <summary>
    /// The drop rules among <paramref name="flows"/> and whom each protects. The owner is read from
    /// the rule itself (the cookie's index keeps only a port's low byte): an address names its owner
    /// through the configuration; a MAC through the pass rule that binds it to its port, or it is
    /// the VIP's, which no port may use.
    /// </summary>
    public static IReadOnlyList<GuardDrop> Of(IReadOnlyList<FlowStats> flows, ApplianceConfig config)
    {
        var macOwners = new Dictionary<ulong, uint>();
        foreach (var flow in flows)
        {
            if (Cookies.KindOf(flow.Cookie) == RuleKind.GuardPass && flow.Match.InPort is { } port && flow.Match.TryGet(OxmFieldId.EthSrc, out var mac))
            {
                macOwners[(ulong)mac.Value] = port;
            }
        }
        var drops = new List<GuardDrop>();
        foreach (var flow in flows)
        {
            var (guard, field) = Cookies.KindOf(flow.Cookie) switch
            {
                RuleKind.MacGuard => ("mac", OxmFieldId.EthSrc),
                RuleKind.ArpGuard => ("arp", OxmFieldId.ArpSpa),
                RuleKind.Ipv4Guard => ("ipv4", OxmFieldId.Ipv4Src),
                _ => (null, default),
            };
            if (guard is null || !flow.Match.TryGet(field, out var claimed)) continue;
            var owner = field == OxmFieldId.EthSrc
                ? OwnerOfMac(claimed.AsMac, macOwners, config)
                : OwnerOfAddress(Ipv4.ToAddress(claimed.AsUInt32), config);
            drops.Add(new GuardDrop(guard, owner, new FlowKey(flow.TableId, flow.Priority, flow.Match), flow.PacketCount));
        }
        return drops;
    }

    private static string OwnerOfMac(MacAddress mac, Dictionary<ulong, uint> owners, ApplianceConfig config)
    {
        if (mac == config.Service.Vmac) return "vip";
        if (!owners.TryGetValue(mac.Value, out var port)) return mac.ToString();
        return port == OfpPort.Local ? "management" : config.FindServerByPort(port)?.Name ?? $"port {port}";
    }

    private static string OwnerOfAddress(System.Net.IPAddress address, ApplianceConfig config)
    {
        if (address.Equals(config.Service.Vip)) return "vip";
        if (address.Equals(config.Bridge.ManagementAddress)) return "management";
        return config.Servers.FirstOrDefault(s => s.Address.Equals(address))?.Name ?? address.ToString();
    }
}
