namespace Appliance.Pipeline;

/// <summary>What a rule is for. The cookie is <c>kind &lt;&lt; 8 | index</c>, so <c>ovs-ofctl dump-flows</c> reads as this table.</summary>
public enum RuleKind : byte
{
    /// <summary>0x1nn: answers ARP requests for the VIP in the switch itself.</summary>
    ArpResponder = 0x1,
    /// <summary>0x2nn (nn = server port): drops a server's ARP claiming the VIP (a DSR server's loopback VIP must stay silent).</summary>
    VipArpGuard = 0x2,
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
    /// <summary>0xfnn: everything else is switched like an ordinary learning switch (OFPP_NORMAL).</summary>
    Normal = 0xf,
}

public static class Cookies
{
    public static ulong Of(RuleKind kind, uint index = 0) => ((ulong)kind << 8) | (index & 0xff);

    public static string Describe(ulong cookie) => (RuleKind)(cookie >> 8) switch
    {
        RuleKind.ArpResponder => "ARP responder for the VIP",
        RuleKind.VipArpGuard => $"drop VIP ARP from server port {cookie & 0xff}",
        RuleKind.VipToGroup => "VIP to the failover group",
        RuleKind.ReplyTrack => $"track replies of server port {cookie & 0xff}",
        RuleKind.ReplyFromVip => "replies leave from the VIP",
        RuleKind.Deliver => $"deliver to server port {cookie & 0xff}",
        RuleKind.DsrReply => $"DSR replies of server port {cookie & 0xff}",
        RuleKind.Normal => "learning switch",
        _ => "not ours",
    };
}
