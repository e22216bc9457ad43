using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary>service, servers and bridge rules.</summary>
[TestClass]
public sealed class ServiceAndServerTests
{
    private const string TwoServers = """
        servers:
          - { name: master, address: 10.0.0.1, port: 1 }
          - { name: slave, address: 10.0.0.2, port: 2 }
        """;

    private static string Service(string body) => "service:\n" + body + "\n" + TwoServers;

    // ---- conntrack ----

    [TestMethod]
    public void ConntrackZoneAndLimitDefaultAndCanBeSet()
    {
        var defaults = Parse(Service("  vip: 10.0.0.100")).Service;
        Assert.AreEqual(100, defaults.ConntrackZone);
        Assert.AreEqual(65536, defaults.ConntrackLimit);
        var set = Parse(Service("  vip: 10.0.0.100\n  conntrack_zone: 7100\n  conntrack_limit: 500")).Service;
        Assert.AreEqual(7100, set.ConntrackZone);
        Assert.AreEqual(500, set.ConntrackLimit);
        Assert.AreEqual(0, Parse(Service("  vip: 10.0.0.100\n  conntrack_limit: off")).Service.ConntrackLimit, "off: the datapath's own setting");
    }

    [TestMethod]
    public void ConntrackZoneZeroAndALimitOfNothingAreRefused()
    {
        // Zone 0 is every other user's; a limit of 0 would admit no connection at all on Open vSwitch 3.1's userspace datapath.
        AssertSingle(Service("  vip: 10.0.0.100\n  conntrack_zone: 0"), 3, 19, "service.conntrack_zone", "expected an integer from 1 to 65280, got \"0\"");
        AssertSingle(Service("  vip: 10.0.0.100\n  conntrack_limit: 0"), 3, 20, "service.conntrack_limit", "expected an integer from 1 to 10000000, got \"0\"");
    }

    // ---- required keys ----

    [TestMethod]
    public void MissingVipIsReportedAtTheServiceMapping()
    {
        AssertSingle(Service("  mode: dsr"), 2, 3, "service.vip", "required key missing");
        AssertSingle("service: { mode: dsr }\n" + TwoServers, 1, 10, "service.vip", "required key missing");
    }

    [TestMethod]
    public void MissingServiceIsReportedAtTheRoot()
    {
        AssertSingle("failback: auto\n" + TwoServers, 1, 1, "service", "required key missing");
    }

    [TestMethod]
    public void MissingServersIsReportedAtTheRoot()
    {
        AssertSingle("service:\n  vip: 10.0.0.100\n", 1, 1, "servers", "required key missing: list the servers, the master first");
    }

    [TestMethod]
    public void ServersMustBeANonEmptyList()
    {
        const string Vip = "service: { vip: 10.0.0.100 }\n";
        AssertSingle(Vip + "servers: []", 2, 10, "servers", "at least one server is required");
        AssertSingle(Vip + "servers:", 2, 1, "servers", "expected a list of servers, got nothing");
        AssertSingle(Vip + "servers: { name: master }", 2, 10, "servers", "expected a list of servers, got a mapping");
        AssertSingle(Vip + "servers:\n  - master", 3, 5, "servers[0]", "expected a mapping with name, address and port, got \"master\"");
    }

    [TestMethod]
    public void EachServerNeedsNameAddressAndPortReportedAtItsMapping()
    {
        IReadOnlyList<ConfigError> errors = Errors("""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { mac: 02:00:00:00:00:02 }
              - address: 10.0.0.3
                port: 3
            """);
        Assert.HasCount(4, errors, string.Join("\n", errors));
        AssertError(errors[0], 4, 5, "servers[1].name", "required key missing");
        AssertError(errors[1], 4, 5, "servers[1].address", "required key missing");
        AssertError(errors[2], 4, 5, "servers[1].port", "required key missing");
        AssertError(errors[3], 5, 5, "servers[2].name", "required key missing");
    }

    // ---- IPv4 ----

    [TestMethod]
    public void VipMustBeIpv4()
    {
        AssertSingle(Service("  vip: fd00::100"), 2, 8, "service.vip",
            "IPv6 is not supported here: expected an IPv4 address such as 10.0.0.1, got \"fd00::100\"");
        AssertSingle(Service("  vip: 10.0.100"), 2, 8, "service.vip",
            "expected an IPv4 address such as 10.0.0.1, got \"10.0.100\"");
        AssertSingle(Service("  vip: 010.0.0.100"), 2, 8, "service.vip",
            "expected an IPv4 address such as 10.0.0.1, got \"010.0.0.100\"");
        AssertSingle(Service("  vip: 10.0.0.256"), 2, 8, "service.vip",
            "expected an IPv4 address such as 10.0.0.1, got \"10.0.0.256\"");
        AssertSingle(Service("  vip: vip.example"), 2, 8, "service.vip",
            "expected an IPv4 address such as 10.0.0.1, got \"vip.example\"");
    }

    [TestMethod]
    public void VipMustBeAHostAddress()
    {
        AssertSingle(Service("  vip: 0.0.0.0"), 2, 8, "service.vip", "0.0.0.0 is not a host address");
        AssertSingle(Service("  vip: 127.0.0.2"), 2, 8, "service.vip", "127.0.0.2 is a loopback address");
        AssertSingle(Service("  vip: 224.0.0.5"), 2, 8, "service.vip", "224.0.0.5 is a multicast address");
        AssertSingle(Service("  vip: 255.255.255.255"), 2, 8, "service.vip", "255.255.255.255 is the broadcast address");
    }

    [TestMethod]
    public void VipMustDifferFromTheManagementAddress()
    {
        AssertSingle(Service("  vip: 10.0.0.6"), 2, 8, "service.vip",
            "10.0.0.6 is the appliance's management address (bridge.management); the VIP needs an address of its own");
    }

    [TestMethod]
    public void ServerAddressMustBeIpv4()
    {
        AssertSingle("""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: master, address: "fe80::1", port: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            """, 3, 30, "servers[0].address",
            "IPv6 is not supported here: expected an IPv4 address such as 10.0.0.1, got \"fe80::1\"");
    }

    [TestMethod]
    public void ManagementMustBeIpv4WithAPrefixLength()
    {
        static string Mgmt(string value) => WithMinimal("bridge:\n  management: " + value);
        AssertSingle(Mgmt("2001:db8::6/64"), 7, 15, "bridge.management",
            "IPv6 is not supported here: expected an IPv4 address with prefix length, e.g. 10.0.0.6/24, got \"2001:db8::6/64\"");
        AssertSingle(Mgmt("10.0.0.6"), 7, 15, "bridge.management",
            "expected an IPv4 address with prefix length, e.g. 10.0.0.6/24, got \"10.0.0.6\": the /prefix length is missing");
        AssertSingle(Mgmt("10.0.0.6/0"), 7, 15, "bridge.management", "the prefix length must be an integer from 1 to 32, got \"0\"");
        AssertSingle(Mgmt("10.0.0.6/33"), 7, 15, "bridge.management", "the prefix length must be an integer from 1 to 32, got \"33\"");
        AssertSingle(Mgmt("10.0.0.6/"), 7, 15, "bridge.management", "the prefix length must be an integer from 1 to 32, got \"\"");
        AssertSingle(Mgmt("10.0.0.6/x"), 7, 15, "bridge.management", "the prefix length must be an integer from 1 to 32, got \"x\"");
        AssertSingle(Mgmt("10.0.6/24"), 7, 15, "bridge.management",
            "expected an IPv4 address with prefix length, e.g. 10.0.0.6/24, got \"10.0.6/24\"");
        AssertSingle(Mgmt("10.0.0.0/24"), 7, 15, "bridge.management", "10.0.0.0 is the network address of 10.0.0.0/24, not a host address");
        AssertSingle(Mgmt("10.0.0.255/24"), 7, 15, "bridge.management", "10.0.0.255 is the broadcast address of 10.0.0.0/24, not a host address");
        AssertSingle(Mgmt("127.0.0.1/8"), 7, 15, "bridge.management", "127.0.0.1 is a loopback address");
    }

    [TestMethod]
    public void ManagementPrefixExtremesAreAccepted()
    {
        Assert.AreEqual(32, Parse(WithMinimal("bridge: { management: 10.0.0.6/32 }")).Bridge.ManagementPrefixLength);
        Assert.AreEqual(31, Parse(WithMinimal("bridge: { management: 10.0.0.0/31 }")).Bridge.ManagementPrefixLength);
        Assert.AreEqual(1, Parse(WithMinimal("bridge: { management: 10.0.0.6/1 }")).Bridge.ManagementPrefixLength);
    }

    // ---- server names ----

    [TestMethod]
    public void ServerNamesAreShortLowerCaseLabels()
    {
        static string Named(string name) => $$"""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: {{name}}, address: 10.0.0.1, port: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            """;
        const string Expected = "expected a name of 1 to 16 characters from a-z, 0-9 and '-', got ";
        AssertSingle(Named("Master"), 3, 13, "servers[0].name", Expected + "\"Master\"");
        AssertSingle(Named("web_1"), 3, 13, "servers[0].name", Expected + "\"web_1\"");
        AssertSingle(Named("\"web 1\""), 3, 13, "servers[0].name", Expected + "\"web 1\"");
        AssertSingle(Named("abcdefghijklmnopq"), 3, 13, "servers[0].name", Expected + "\"abcdefghijklmnopq\"");
        AssertSingle(Named("\"\""), 3, 13, "servers[0].name", "must not be empty");
        AssertSingle(Named("~"), 3, 13, "servers[0].name", "expected a name of 1 to 16 characters from a-z, 0-9 and '-', got nothing");
        Assert.AreEqual("abcdefghijklmnop", Parse(Named("abcdefghijklmnop")).Master.Name);
        Assert.AreEqual("0-a", Parse(Named("0-a")).Master.Name);
    }

    [TestMethod]
    public void ServerNamesAreUnique()
    {
        AssertSingle("""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: web, address: 10.0.0.1, port: 1 }
              - { name: web, address: 10.0.0.2, port: 2 }
            """, 4, 13, "servers[1].name", "server name \"web\" is already used by servers[0] (line 3)");
    }

    // ---- server addresses ----

    [TestMethod]
    public void ServerAddressesAreUniqueAndNotTheVipOrManagement()
    {
        IReadOnlyList<ConfigError> errors = Errors("""
            service: { vip: 10.0.0.100 }
            servers:
              - name: a
                address: 10.0.0.1
                port: 1
              - name: b
                address: 10.0.0.1
                port: 2
              - name: c
                address: 10.0.0.100
                port: 3
              - name: d
                address: 10.0.0.6
                port: 4
            """);
        Assert.HasCount(3, errors, string.Join("\n", errors));
        AssertError(errors[0], 7, 14, "servers[1].address", "address 10.0.0.1 is already used by servers[0] (line 4)");
        AssertError(errors[1], 10, 14, "servers[2].address",
            "10.0.0.100 is the service VIP (service.vip, line 1); a server needs an address of its own");
        AssertError(errors[2], 13, 14, "servers[3].address",
            "10.0.0.6 is the appliance's management address (the default bridge.management); a server needs an address of its own");
    }

    [TestMethod]
    public void ServerAddressEqualToAnExplicitManagementAddressNamesItsLine()
    {
        AssertSingle("""
            bridge:
              management: 10.0.0.2/24
            service: { vip: 10.0.0.100 }
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            """, 6, 29, "servers[1].address",
            "10.0.0.2 is the appliance's management address (bridge.management, line 2); a server needs an address of its own");
    }

    // ---- server ports ----

    [TestMethod]
    public void ServerPortsAreOpenFlowPhysicalPorts()
    {
        static string Port(string port) => $$"""
            service: { vip: 10.0.0.100 }
            servers:
              - name: master
                address: 10.0.0.1
                port: {{port}}
              - { name: slave, address: 10.0.0.2, port: 2 }
            """;
        const string Expected = "expected an integer from 1 to 4294967040, got ";
        AssertSingle(Port("0"), 5, 11, "servers[0].port", Expected + "\"0\"");
        AssertSingle(Port("-1"), 5, 11, "servers[0].port", Expected + "\"-1\"");
        AssertSingle(Port("4294967041"), 5, 11, "servers[0].port", Expected + "\"4294967041\"");
        AssertSingle(Port("0xffffff00"), 5, 11, "servers[0].port", Expected + "\"0xffffff00\"");
        AssertSingle(Port("1.0"), 5, 11, "servers[0].port", Expected + "\"1.0\"");
        AssertSingle(Port("99999999999999999999999"), 5, 11, "servers[0].port", Expected + "\"99999999999999999999999\"");
        AssertSingle(Port("eth0"), 5, 11, "servers[0].port", Expected + "\"eth0\"");
        Assert.AreEqual(4294967040u, Parse(Port("4294967040")).Master.Port);
        Assert.AreEqual(1u, Parse(Port("1")).Master.Port);
    }

    [TestMethod]
    public void ServerPortsAreUnique()
    {
        AssertSingle("""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { name: slave, address: 10.0.0.2, port: 1 }
            """, 4, 45, "servers[1].port", "port 1 is already used by servers[0] (line 3)");
    }

    // ---- MACs ----

    [TestMethod]
    public void ServerMacsAreValidUnicastAndUnique()
    {
        static string Macs(string a, string b) => $$"""
            service: { vip: 10.0.0.100 }
            servers:
              - name: master
                address: 10.0.0.1
                port: 1
                mac: {{a}}
              - name: slave
                address: 10.0.0.2
                port: 2
                mac: {{b}}
            """;
        ApplianceConfig ok = Parse(Macs("00:16:3e:00:00:01", "00-16-3E-00-00-02"));
        Assert.AreEqual("00:16:3e:00:00:01", ok.Servers[0].Mac.ToString());
        Assert.AreEqual("00:16:3e:00:00:02", ok.Servers[1].Mac.ToString());

        AssertSingle(Macs("00:16:3e:00:00:01", "00:16:3e:00:00:01"), 10, 10, "servers[1].mac",
            "MAC 00:16:3e:00:00:01 is already used by servers[0] (line 6)");
        AssertSingle(Macs("00:16:3e:00:00:01", "01:00:5e:00:00:01"), 10, 10, "servers[1].mac",
            "01:00:5e:00:00:01 is a group (multicast/broadcast) address; it must be unicast (lowest bit of the first byte clear)");
        AssertSingle(Macs("00:16:3e:00:00:01", "00:00:00:00:00:00"), 10, 10, "servers[1].mac",
            "00:00:00:00:00:00 is not a usable MAC address");
        AssertSingle(Macs("00:16:3e:00:00:1", "00:16:3e:00:00:02"), 6, 10, "servers[0].mac",
            "expected a MAC address such as 02:00:0a:00:00:64, got \"00:16:3e:00:00:1\"");
        AssertSingle(Macs("02:00:0a:00:00:64", "00:16:3e:00:00:02"), 6, 10, "servers[0].mac",
            "02:00:0a:00:00:64 is the service vmac (service.vmac, derived from the VIP); a server needs a MAC of its own");
    }

    [TestMethod]
    public void VmacMustBeAValidUnicastAddress()
    {
        AssertSingle(Service("  vip: 10.0.0.100\n  vmac: 03:00:0a:00:00:64"), 3, 9, "service.vmac",
            "03:00:0a:00:00:64 is a group (multicast/broadcast) address; it must be unicast (lowest bit of the first byte clear)");
        AssertSingle(Service("  vip: 10.0.0.100\n  vmac: ff:ff:ff:ff:ff:ff"), 3, 9, "service.vmac",
            "ff:ff:ff:ff:ff:ff is a group (multicast/broadcast) address; it must be unicast (lowest bit of the first byte clear)");
        AssertSingle(Service("  vip: 10.0.0.100\n  vmac: 02:00:0a:00:00"), 3, 9, "service.vmac",
            "expected a MAC address such as 02:00:0a:00:00:64, got \"02:00:0a:00:00\"");
        AssertSingle(Service("  vip: 10.0.0.100\n  vmac: 02:00:0a-00:00:64"), 3, 9, "service.vmac",
            "expected a MAC address such as 02:00:0a:00:00:64, got \"02:00:0a-00:00:64\"");
        Assert.AreEqual(new MacAddress(0x02_00_00_00_00_01UL),
            Parse(Service("  vip: 10.0.0.100\n  vmac: 02:00:00:00:00:01")).Service.Vmac);
    }

    [TestMethod]
    public void ServerMacEqualToAnExplicitVmacNamesItsLine()
    {
        AssertSingle("""
            service:
              vip: 10.0.0.100
              vmac: 02:00:00:00:00:09
            servers:
              - { name: master, address: 10.0.0.1, port: 1, mac: 02:00:00:00:00:09 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            """, 5, 54, "servers[0].mac",
            "02:00:00:00:00:09 is the service vmac (service.vmac, line 3); a server needs a MAC of its own");
    }

    [TestMethod]
    public void ModeMustBeNatOrDsr()
    {
        AssertSingle(Service("  vip: 10.0.0.100\n  mode: tunnel"), 3, 9, "service.mode", "expected one of nat, dsr, got \"tunnel\"");
    }

    // ---- bridge ----

    [TestMethod]
    public void BridgeNameIsAnInterfaceName()
    {
        static string Name(string value) => WithMinimal("bridge:\n  name: " + value);
        const string Expected = "expected a network interface name of 1 to 15 characters without spaces, '/' or ':', got ";
        AssertSingle(Name("\"br 0\""), 7, 9, "bridge.name", Expected + "\"br 0\"");
        AssertSingle(Name("br/0"), 7, 9, "bridge.name", Expected + "\"br/0\"");
        AssertSingle(Name("\"br:0\""), 7, 9, "bridge.name", Expected + "\"br:0\"");
        AssertSingle(Name("\"\""), 7, 9, "bridge.name", "must not be empty");
        AssertSingle(Name("abcdefghijklmnop"), 7, 9, "bridge.name", "is longer than 15 bytes (the Linux interface name limit)");
        Assert.AreEqual("abcdefghijklmno", Parse(Name("abcdefghijklmno")).Bridge.Name);
    }

    [TestMethod]
    public void DatapathMustBeSystemOrNetdev()
    {
        AssertSingle(WithMinimal("bridge:\n  datapath: dpdk"), 7, 13, "bridge.datapath", "expected one of system, netdev, got \"dpdk\"");
    }
}
