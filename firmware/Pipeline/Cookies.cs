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
    /// <summary>0x2nn (nn = server port): a connection pinned to the server goes to its pinned group.</summary>
    Pinned = 0x2,
    /// <summary>0x3nn: IPv4 to the VIP is looked up in the pin zone.</summary>
    VipToGroup = 0x3,
    /// <summary>0x4nn (nn = server port): NAT mode, a server's traffic through its conntrack zone, which undoes the NAT of replies.</summary>
    ReplyTrack = 0x4,
    /// <summary>0x5nn: replies now from the VIP pass the pin zone (0x500) and leave with the VIP's MAC (0x501).</summary>
    ReplyFromVip = 0x5,
    /// <summary>0x6nn (nn = server port): hands a packet committed in the server's zone to the server.</summary>
    Deliver = 0x6,
    /// <summary>0x7nn (nn = server port): DSR mode, a server's replies from the VIP pass its conntrack zone.</summary>
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
    /// <summary>0xdnn: a connection without a pin goes to the new-connections group.</summary>
    NewConnection = 0xd,
    /// <summary>0xenn: a packet conntrack would not commit (its zone is full, or it is invalid) is dropped.</summary>
    NotCommitted = 0xe,
    /// <summary>0xfnn: everything else is switched like an ordinary learning switch (OFPP_NORMAL).</summary>
    Normal = 0xf,
    /// <summary>0x10nn (nn = server port): passive health, the server's refusal of a new connection goes to the firmware (metered).</summary>
    Refusal = 0x10,
    /// <summary>0x11nn: passive health: replies on a watched port not answered before (0x1100), ICMP unreachable of a watched UDP port (0x1101), a connection's first answer marked (0x1102), nothing more to do (0x1103).</summary>
    PassiveWatch = 0x11,
    /// <summary>0x12nn (nn = server port): learned by the switch itself when that server refused a client: its new and pinned connections go to the next server (table 9).</summary>
    Reflex = 0x12,
    /// <summary>0x14nn: the reflex's dispatch: new connections (0x1400) and those pinned to the active server (0x1401) consult table 9; a reflex found sends them to the fallback group (0x1402), else pinned (0x1403) or new (0x1404) go on as before.</summary>
    ReflexDispatch = 0x14,
    /// <summary>0x15nn: the standby box of a pair (docs/pair.md): ARP for the VIP (0x1500), IPv4 to the VIP (0x1501) and frames to its MAC (0x1502) are dropped.</summary>
    PairStandby = 0x15,
}

public static class Cookies
{
    /// <summary>The owner index of what belongs to no port: the VIP and its MAC.</summary>
    public const uint Nobody = 0;

    /// <summary>The guard kinds 0x8 to 0xb under <see cref="GuardMask"/>.</summary>
    public const ulong Guard = 0x800;

    public const ulong GuardMask = 0xffff_ffff_ffff_fc00;

    /// <summary>Every cookie of one kind, whatever its index: <c>Of(kind)</c> under this mask.</summary>
    public const ulong KindMask = 0xffff_ffff_ffff_ff00;

    public static ulong Of(RuleKind kind, uint index = 0) => ((ulong)kind << 8) | (index & 0xff);

    public static RuleKind KindOf(ulong cookie) => (RuleKind)(cookie >> 8);

    public static string Describe(ulong cookie) => KindOf(cookie) switch
    {
        RuleKind.ArpResponder => "ARP responder for the VIP",
        RuleKind.Pinned => $"connections pinned to server port {cookie & 0xff}",
        RuleKind.VipToGroup => "VIP: look up the connection's pin",
        RuleKind.NewConnection => "new connection to the failover group",
        RuleKind.NotCommitted => "not tracked by conntrack: dropped",
        RuleKind.ReplyTrack => $"track replies of server port {cookie & 0xff}",
        RuleKind.ReplyFromVip => (cookie & 0xff) == 0 ? "replies from the VIP: pin zone" : "replies leave from the VIP",
        RuleKind.Deliver => $"deliver to server port {cookie & 0xff}",
        RuleKind.DsrReply => $"DSR replies of server port {cookie & 0xff} through its zone",
        RuleKind.MacGuard => $"drop {Owner(cookie)}'s MAC from other ports",
        RuleKind.ArpGuard => $"drop ARP claiming {Owner(cookie)}'s address from other ports",
        RuleKind.Ipv4Guard => $"drop IPv4 from {Owner(cookie)}'s address from other ports",
        RuleKind.GuardPass => (cookie & 0xff) == Nobody ? "guard: claims nothing owned, passes" : $"guard: {Owner(cookie)}'s own, passes",
        RuleKind.ManagementPath => (cookie & 0xff) == (OfpPort.Local & 0xff) ? "management path to the management port" : $"management path to server port {cookie & 0xff}",
        RuleKind.Normal => "learning switch",
        RuleKind.Refusal => $"refusals of server port {cookie & 0xff} to the firmware (passive health)",
        RuleKind.PassiveWatch => (cookie & 0xff) switch
        {
            0 => "passive health: TCP reply not answered before",
            1 => "passive health: ICMP unreachable for a watched UDP port",
            2 => "passive health: first answer, connection marked answered",
            _ => "passive health: done",
        },
        RuleKind.Reflex => $"learned by the switch: server port {cookie & 0xff} refused a client, its connections go to the next server",
        RuleKind.ReflexDispatch => (cookie & 0xff) switch
        {
            0 => "new connection: consult the switch's reflex",
            1 => "pinned to the active server: consult the switch's reflex",
            2 => "the active server refused a client: to the fallback group",
            3 => "pinned to the active server, no reflex: its pinned group",
            _ => "new connection, no reflex: the failover group",
        },
        RuleKind.PairStandby => (cookie & 0xff) switch
        {
            0 => "standby box of a pair: ARP for the VIP unanswered",
            1 => "standby box of a pair: IPv4 to the VIP dropped",
            _ => "standby box of a pair: frames to the VIP's MAC dropped",
        },
        _ => "not ours",
    };

    private static string Owner(ulong cookie) => (uint)(cookie & 0xff) switch
    {
        Nobody => "the VIP",
        OfpPort.Local & 0xff => "the management port",
        var port => $"server port {port}",
    };
}
