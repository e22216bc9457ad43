using System.Net;

namespace Appliance.Pipeline.Tests;

/// <summary>
/// The ingress guard (tables 0 and 1) and the management path: what an office host can claim, and
/// what only a server's own port can. Frames are walked through the built tables the way the switch
/// looks them up (highest priority match wins; goto or drop).
/// </summary>
[TestClass]
public sealed class GuardTests
{
    private const uint Office = 4;
    private static readonly MacAddress MasterMac = MacAddress.Parse("02:00:c6:12:00:01");
    private static readonly MacAddress SlaveMac = MacAddress.Parse("02:00:c6:12:00:02");
    private static readonly MacAddress ManagementMac = MacAddress.Parse("02:00:c6:12:00:06");
    private static readonly MacAddress OfficeMac = MacAddress.Parse("02:00:c6:12:00:0a");
    private static readonly MacAddress Vmac = MacAddress.Parse("02:00:c6:12:00:64");
    private static readonly MacAddress MadeUp = MacAddress.Parse("02:de:ad:be:ef:01");
    private static readonly IPAddress Master = IPAddress.Parse("198.18.0.1");
    private static readonly IPAddress Slave = IPAddress.Parse("198.18.0.2");
    private static readonly IPAddress Management = IPAddress.Parse("198.18.0.6");
    private static readonly IPAddress Client = IPAddress.Parse("198.18.0.10");
    private static readonly IPAddress Vip = IPAddress.Parse("198.18.0.100");
    private static readonly Dictionary<string, MacAddress> Macs = new() { ["master"] = MasterMac, ["slave"] = SlaveMac };

    private static ApplianceConfig Config(string mode = "nat", string extra = "") => ConfigLoader.Parse($$"""
        bridge: { name: br0, management: 198.18.0.6/24 }
        service: { vip: 198.18.0.100, mode: {{mode}}{{extra}} }
        servers:
          - { name: master, address: 198.18.0.1, port: 1 }
          - { name: slave, address: 198.18.0.2, port: 2 }
        """, "test.yml");

    private static RuleSet Rules(string mode = "nat") =>
        new RuleBuilder(Config(mode)).Build(new DesiredSwitchState(["master", "slave"], "master"), Macs, ManagementMac);

    [TestMethod]
    [DataRow("nat")]
    [DataRow("dsr")]
    public void AnOfficeHostCanClaimNothingThatBelongsToAServerTheBoxOrTheVip(string mode)
    {
        var rules = Rules(mode);
        Assert.AreEqual(Cookies.Of(RuleKind.MacGuard, 1), DroppedBy(rules, Ipv4Frame(Office, MasterMac, Client, Vip)), "a server's MAC as source");
        Assert.AreEqual(Cookies.Of(RuleKind.MacGuard, 0xfe), DroppedBy(rules, Ipv4Frame(Office, ManagementMac, Client, Vip)), "the management MAC as source");
        Assert.AreEqual(Cookies.Of(RuleKind.MacGuard, Cookies.Nobody), DroppedBy(rules, Ipv4Frame(Office, Vmac, Client, Master)), "the VIP's MAC as source");
        foreach (var (claimed, owner) in new[] { (Master, 1u), (Slave, 2u), (Management, 0xfeu), (Vip, Cookies.Nobody) })
        {
            Assert.AreEqual(Cookies.Of(RuleKind.ArpGuard, owner), DroppedBy(rules, ArpFrame(Office, OfficeMac, op: 2, claimed, MadeUp)), $"ARP reply claiming {claimed}");
            Assert.AreEqual(Cookies.Of(RuleKind.ArpGuard, owner), DroppedBy(rules, ArpFrame(Office, OfficeMac, op: 1, claimed, MadeUp)), $"gratuitous request claiming {claimed}");
            Assert.AreEqual(Cookies.Of(RuleKind.Ipv4Guard, owner), DroppedBy(rules, Ipv4Frame(Office, OfficeMac, claimed, Master)), $"IPv4 from {claimed}");
        }
    }

    [TestMethod]
    [DataRow("nat")]
    [DataRow("dsr")]
    public void OwnersAndTheOfficesOwnTrafficPass(string mode)
    {
        var rules = Rules(mode);
        Assert.IsNull(DroppedBy(rules, ArpFrame(1, MasterMac, op: 2, Master, MasterMac)), "the master answers ARP");
        Assert.IsNull(DroppedBy(rules, Ipv4Frame(1, MasterMac, Master, Management)), "the master answers a probe");
        Assert.IsNull(DroppedBy(rules, Ipv4Frame(OfpPort.Local, ManagementMac, Management, Master)), "the box probes");
        Assert.IsNull(DroppedBy(rules, ArpFrame(OfpPort.Local, ManagementMac, op: 1, Management, MacAddress.Zero)), "the box asks ARP");
        Assert.IsNull(DroppedBy(rules, ArpFrame(Office, OfficeMac, op: 1, Client, MacAddress.Zero)), "a client asks for the VIP");
        Assert.IsNull(DroppedBy(rules, Ipv4Frame(Office, OfficeMac, Client, Vip)), "a client uses the VIP");
        // A replaced NIC: the new MAC is nobody's yet, and its port may claim its own address, so the firmware hears it.
        Assert.IsNull(DroppedBy(rules, ArpFrame(1, MadeUp, op: 1, Master, MadeUp)), "the master with a new NIC announces itself");
        Assert.AreEqual(Cookies.Of(RuleKind.ArpGuard, 2), DroppedBy(rules, ArpFrame(1, MasterMac, op: 2, Slave, MasterMac)), "a server claiming another's address");
        Assert.AreEqual(Cookies.Of(RuleKind.MacGuard, 2), DroppedBy(rules, Ipv4Frame(1, SlaveMac, Master, Management)), "a server with another's MAC");
    }

    [TestMethod]
    public void OnlyDsrServersMaySendFromTheVip()
    {
        Assert.AreEqual(Cookies.Of(RuleKind.Ipv4Guard, Cookies.Nobody), DroppedBy(Rules("nat"), Ipv4Frame(1, MasterMac, Vip, Client)), "NAT: the switch translates replies itself");
        Assert.IsNull(DroppedBy(Rules("dsr"), Ipv4Frame(1, MasterMac, Vip, Client)), "DSR: the server answers from the VIP");
        Assert.AreEqual(Cookies.Of(RuleKind.Ipv4Guard, Cookies.Nobody), DroppedBy(Rules("dsr"), Ipv4Frame(Office, OfficeMac, Vip, Client)));
    }

    [TestMethod]
    public void AMacClaimedTwiceStaysWithItsFirstOwnerAndNoRuleIsDoubled()
    {
        var macs = new Dictionary<string, MacAddress> { ["master"] = MasterMac, ["slave"] = MasterMac };
        foreach (var claimed in new[] { MasterMac, ManagementMac, Vmac })
        {
            macs["slave"] = claimed;
            var rules = new RuleBuilder(Config()).Build(new DesiredSwitchState(["master", "slave"], "master"), macs, ManagementMac);
            Assert.HasCount(rules.Flows.Count, rules.Flows.Select(f => f.Key).Distinct(), claimed.ToString());
            Assert.IsNotNull(DroppedBy(rules, Ipv4Frame(2, claimed, Slave, Management)), $"{claimed} from the slave's port");
        }
    }

    [TestMethod]
    [DataRow("nat")]
    [DataRow("dsr")]
    public void TheBoxReachesEachServerByItsPortAndMacWhateverItsNeighbourCacheSays(string mode)
    {
        var rules = Rules(mode);
        var toMaster = Classify(rules, Ipv4Frame(OfpPort.Local, MadeUp, Management, Master));
        Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:01->eth_dst,output:1)", toMaster.Instructions.ToString());
        Assert.AreEqual("apply_actions(output:2)", Classify(rules, ArpFrame(OfpPort.Local, ManagementMac, op: 1, Management, MacAddress.Zero, target: Slave)).Instructions.ToString(),
            "ARP for a server goes to its port only, broadcast or not");
        Assert.AreEqual("apply_actions(output:LOCAL)", Classify(rules, ArpFrame(1, MasterMac, op: 2, Master, MasterMac, target: Management)).Instructions.ToString());
        var back = Classify(rules, Ipv4Frame(1, MasterMac, Master, Management));
        if (mode == "nat")
        {
            // Through the master's zone first: a management connection to the VIP is translated back there.
            Assert.AreEqual(RuleKind.ReplyTrack, Cookies.KindOf(back.Cookie));
            var reply = rules.Flows.Where(f => f.TableId == 3 && Matches(f.Match, Ipv4Frame(1, MasterMac, Master, Management))).MaxBy(f => f.Priority)!;
            Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:06->eth_dst,output:LOCAL)", reply.Instructions.ToString());
        }
        else
        {
            Assert.AreEqual("apply_actions(set_field:02:00:c6:12:00:06->eth_dst,output:LOCAL)", back.Instructions.ToString());
            Assert.AreEqual(RuleKind.DsrReply, Cookies.KindOf(Classify(rules, Ipv4Frame(1, MasterMac, Vip, Management)).Cookie), "a DSR reply from the VIP leaves with the VIP's MAC");
        }
    }

    [TestMethod]
    public void WithoutAKnownMacTheBoxStillReachesTheServersPortAndTheGuardHoldsTheAddresses()
    {
        var rules = new RuleBuilder(Config()).Build(new DesiredSwitchState(["master", "slave"], "master"), new Dictionary<string, MacAddress> { ["slave"] = SlaveMac });
        Assert.AreEqual("apply_actions(output:1)", Classify(rules, Ipv4Frame(OfpPort.Local, MadeUp, Management, Master)).Instructions.ToString());
        Assert.AreEqual(Cookies.Of(RuleKind.ArpGuard, 1), DroppedBy(rules, ArpFrame(Office, OfficeMac, op: 2, Master, MadeUp)));
        Assert.IsFalse(rules.Flows.Any(f => f.Cookie == Cookies.Of(RuleKind.MacGuard, 0xfe)), "no management MAC known: nothing to bind");
    }

    [TestMethod]
    public void TheConntrackZonesStartWhereTheConfigurationSays()
    {
        var rules = new RuleBuilder(Config(extra: ", conntrack_zone: 7100")).Build(new DesiredSwitchState(["master", "slave"], "master"), Macs);
        var buckets = string.Join(",", rules.Groups.SelectMany(g => g.Buckets));
        StringAssert.Contains(buckets, "zone=7100,nat(dst=198.18.0.1)");
        StringAssert.Contains(buckets, "zone=7101,nat(dst=198.18.0.2)");
        StringAssert.Contains(buckets, "zone=7102,exec(set_field:0x1->ct_mark)", "the pin zone follows the servers' zones");
        Assert.IsTrue(rules.Flows.Any(f => f.Cookie == Cookies.Of(RuleKind.Deliver, 2) && f.Match.ToString().Contains("ct_zone=7101", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void TheGuardRequestSelectsEveryGuardRuleAndNothingElse()
    {
        var rules = Rules();
        var selector = GuardDrops.Request.Selector;
        var selected = rules.Flows.Where(f => (f.Cookie & selector.CookieMask) == (selector.Cookie & selector.CookieMask)).ToList();
        Assert.IsTrue(selected.All(f => f.TableId <= 1), "only the guard tables");
        Assert.AreEqual(rules.Flows.Count(f => f.TableId <= 1), selected.Count, "all of them");
    }

    [TestMethod]
    public void DropCountersAreReportedByGuardAndOwner()
    {
        var config = Config();
        var rules = new RuleBuilder(config).Build(new DesiredSwitchState(["master", "slave"], "master"), Macs, ManagementMac);
        // As the switch reports them: counters on every rule, the passes' included.
        var stats = rules.Flows.Where(f => f.TableId <= 1).Select(f => new FlowStats(f.TableId, 0, 0, f.Priority, 0, 0, OfpFlowModFlags.None, f.Cookie,
            PacketCount: (ulong)(f.Cookie & 0xfff), ByteCount: 0, f.Match, f.Instructions)).ToList();

        var drops = GuardDrops.Of(stats, config);

        var byOwner = drops.ToDictionary(d => (d.Guard, d.Owner), d => d.Packets);
        Assert.AreEqual(0x801UL, byOwner[("mac", "master")]);
        Assert.AreEqual(0x8feUL, byOwner[("mac", "management")]);
        Assert.AreEqual(0x800UL, byOwner[("mac", "vip")]);
        Assert.AreEqual(0x902UL, byOwner[("arp", "slave")]);
        Assert.AreEqual(0x9feUL, byOwner[("arp", "management")]);
        Assert.AreEqual(0xa00UL, byOwner[("ipv4", "vip")]);
        Assert.HasCount(4 + 4 + 4, drops, "4 MACs (2 servers, management, VIP), 4 addresses for ARP and for IPv4; no pass rule");
    }

    /// <summary>The cookie of the guard rule that drops the frame, or null when it reaches the classifier.</summary>
    private static ulong? DroppedBy(RuleSet rules, Dictionary<OxmFieldId, UInt128> frame)
    {
        for (byte table = 0; table <= 1; table++)
        {
            var rule = Lookup(rules, table, frame);
            if (rule.Instructions.IsEmpty) return rule.Cookie;
            Assert.AreEqual($"goto_table:{table + 1}", rule.Instructions.ToString(), rule.ToString());
        }
        return null;
    }

    /// <summary>The classifier's rule for a frame the guard let through.</summary>
    private static FlowEntry Classify(RuleSet rules, Dictionary<OxmFieldId, UInt128> frame)
    {
        Assert.IsNull(DroppedBy(rules, frame));
        return Lookup(rules, 2, frame);
    }

    private static FlowEntry Lookup(RuleSet rules, byte table, Dictionary<OxmFieldId, UInt128> frame)
    {
        var candidates = rules.Flows.Where(f => f.TableId == table && Matches(f.Match, frame)).OrderByDescending(f => f.Priority).ToList();
        Assert.IsNotEmpty(candidates, $"table {table} has no rule for the frame");
        Assert.IsFalse(candidates.Count > 1 && candidates[0].Priority == candidates[1].Priority, $"two rules of equal priority match: {candidates[0]} and {candidates[1]}");
        return candidates[0];
    }

    private static bool Matches(Match match, Dictionary<OxmFieldId, UInt128> frame)
    {
        foreach (var field in match)
        {
            Assert.IsFalse(field.HasMask, "the guard matches exact values only");
            if (!frame.TryGetValue(field.Id, out var value) || value != field.Value) return false;
        }
        return true;
    }

    private static Dictionary<OxmFieldId, UInt128> ArpFrame(uint inPort, MacAddress ethSrc, ushort op, IPAddress sender, MacAddress senderMac, IPAddress? target = null) => new()
    {
        [OxmFieldId.InPort] = inPort,
        [OxmFieldId.EthSrc] = ethSrc.Value,
        [OxmFieldId.EthType] = 0x0806,
        [OxmFieldId.ArpOp] = op,
        [OxmFieldId.ArpSpa] = Ipv4.ToUInt32(sender),
        [OxmFieldId.ArpSha] = senderMac.Value,
        [OxmFieldId.ArpTpa] = Ipv4.ToUInt32(target ?? sender),
    };

    private static Dictionary<OxmFieldId, UInt128> Ipv4Frame(uint inPort, MacAddress ethSrc, IPAddress source, IPAddress destination) => new()
    {
        [OxmFieldId.InPort] = inPort,
        [OxmFieldId.EthSrc] = ethSrc.Value,
        [OxmFieldId.EthType] = 0x0800,
        [OxmFieldId.Ipv4Src] = Ipv4.ToUInt32(source),
        [OxmFieldId.Ipv4Dst] = Ipv4.ToUInt32(destination),
    };
}
