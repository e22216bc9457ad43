namespace Appliance.Pipeline;

/// <summary>What a rule is for. The cookie is <c>kind &lt;&lt; 8 | index</c>, so <c>ovs-ofctl dump-flows</c> reads as this table.</summary>
/// <remarks>
/// The guard kinds (0x8 to 0xb) share the top bits <c>10</c>, so one FLOW request with cookie
/// <see cref="Cookies.Guard"/> under <see cref="Cookies.GuardMask"/> reads every guard rule and its counters.
/// </remarks>
public enum RuleKind : byte
{
    /// <summary>0x1nn: answers ARP requests for the VIP in the switch itself.</summary>
    ArpResponder = 0x1,
    /// <summary>0x3nn: sends IPv4 to the VIP into the fast-failover group.</summary>
    VipToGroup = 0x3,
    /// <summary>0x4nn (nn = server port): NAT mode, a server's traffic through its conntrack zone, which undoes the NAT of replies.</summary>
    ReplyTrack = 0x4,
    /// <summary>0x5nn: NAT mode, replies now from the VIP leave with the VIP's MAC.</summary>
    ReplyFromVip = 0x5,
    /// <summary>0x6nn (nn = server port): NAT mode, hands a translated packet to its server.</summary>
    Deliver = 0x6,
    /// <summary>0x7nn (nn = server port): DSR mode, a server's replies from the VIP leave with the VIP's MAC.</summary>
    DsrReply = 0x7,
    /// <summary>0x8nn (nn = owner): drops frames whose source MAC belongs to another port.</summary>
    MacGuard = 0x8,
    /// <summary>0x9nn (nn = owner): drops ARP that claims an address of another port.</summary>
    ArpGuard = 0x9,
    /// <summary>0xann (nn = owner): drops IPv4 sent from an address of another port.</summary>
    Ipv4Guard = 0xa,
    /// <summary>0xbnn (nn = port): frames from port nn with its own MAC or address pass the guard; 0xb00: frames that claim nothing owned pass.</summary>
    GuardPass = 0xb,
    /// <summary>0xcnn (nn = server port, fe = the management port): management traffic goes straight between the management port and a server's port.</summary>
    ManagementPath = 0xc,
    /// <summary>0xfnn: everything else is switched like an ordinary learning switch (OFPP_NORMAL).</summary>
    Normal = 0xf,
}

public static class Cookies
{
    /// <summary>The owner index of what belongs to no port: the VIP and its MAC.</summary>
    public const uint Nobody = 0;

    /// <summary>The guard kinds 0x8 to 0xb under <see cref="GuardMask"/>.</summary>
    public const ulong Guard = 0x800;

    public const ulong GuardMask = 0xffff_ffff_ffff_fc00;

    public static ulong Of(RuleKind kind, uint index = 0) => ((ulong)kind << 8) | (index & 0xff);

    public static RuleKind KindOf(ulong cookie) => (RuleKind)(cookie >> 8);

    public static string Describe(ulong cookie) => KindOf(cookie) switch
    {
        RuleKind.ArpResponder => "ARP responder for the VIP",
        RuleKind.VipToGroup => "VIP to the failover group",
        RuleKind.ReplyTrack => $"track replies of server port {cookie & 0xff}",
        RuleKind.ReplyFromVip => "replies leave from the VIP",
        RuleKind.Deliver => $"deliver to server port {cookie & 0xff}",
        RuleKind.DsrReply => $"DSR replies of server port {cookie & 0xff}",
        RuleKind.MacGuard => $"drop {Owner(cookie)}'s MAC from other ports",
        RuleKind.ArpGuard => $"drop ARP claiming {Owner(cookie)}'s address from other ports",
        RuleKind.Ipv4Guard => $"drop IPv4 from {Owner(cookie)}'s address from other ports",
        RuleKind.GuardPass => (cookie & 0xff) == Nobody ? "guard: claims nothing owned, passes" : $"guard: {Owner(cookie)}'s own, passes",
        RuleKind.ManagementPath => (cookie & 0xff) == (OfpPort.Local & 0xff) ? "management path to the management port" : $"management path to server port {cookie & 0xff}",
        RuleKind.Normal => "learning switch",
        _ => "not ours",
    };

    private static string Owner(ulong cookie) => (uint)(cookie & 0xff) switch
    {
        Nobody => "the VIP",
        OfpPort.Local & 0xff => "the management port",
        var port => $"server port {port}",
    };
}
