using System.Net;
using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

[TestClass]
public sealed class ExamplesTests
{
    [TestMethod]
    public void ApplianceExampleParsesToTheSpecValues()
    {
        string path = ExamplePath("appliance.yml");
        ApplianceConfig c = ConfigLoader.Load(path);

        Assert.AreEqual(path, c.SourcePath);
        Assert.AreEqual(new BridgeConfig("br0", DatapathType.System, IPAddress.Parse("10.0.0.6"), 24), c.Bridge);
        Assert.AreEqual("10.0.0.6/24", c.Bridge.ManagementCidr);
        Assert.AreEqual(new OpenFlowConfig(new TcpEndpoint(IPAddress.Parse("127.0.0.1"), 6653), false), c.OpenFlow);
        Assert.AreEqual("tcp:127.0.0.1:6653", c.OpenFlow.Listen.ToString());
        Assert.IsTrue(c.OpenFlow.Listen.IsLoopback);
        Assert.AreEqual(new ServiceConfig(IPAddress.Parse("10.0.0.100"), MacAddress.Parse("02:00:0a:00:00:64"), ServiceMode.Nat), c.Service);
        Assert.HasCount(2, c.Servers);
        Assert.AreEqual(new ServerConfig("master", IPAddress.Parse("10.0.0.1"), 1u, null), c.Servers[0]);
        Assert.AreEqual(new ServerConfig("slave", IPAddress.Parse("10.0.0.2"), 2u, null), c.Servers[1]);
        Assert.AreSame(c.Servers[0], c.Master);
        Assert.AreEqual(
            new HealthConfig(ProbeKind.Http, 80, "/", TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40), 3, 3) { Passive = PassiveHealthConfig.Default with { Ports = [80] } },
            c.Health);
        Assert.AreEqual(FailbackMode.Auto, c.Failback);
        Assert.AreEqual(new PanelConfig(PanelDriver.Auto, 0, 17, 27, 22, 23, true), c.Panel);
        Assert.AreEqual(new ApiConfig(new IPEndPoint(IPAddress.Parse("10.0.0.6"), 80), "/etc/appliance/api.token"), c.Api);
        Assert.IsEmpty(c.Warnings, string.Join("\n", c.Warnings));
    }

    [TestMethod]
    public void LabExampleParsesToTheLabValues()
    {
        ApplianceConfig c = ConfigLoader.Load(ExamplePath("lab.yml"));

        Assert.AreEqual(new BridgeConfig("lab-br", DatapathType.Netdev, IPAddress.Parse("198.18.0.6"), 24), c.Bridge);
        Assert.AreEqual(new OpenFlowConfig(new UnixEndpoint("/var/run/openvswitch/appliance-lab.sock"), false), c.OpenFlow);
        Assert.AreEqual("unix:/var/run/openvswitch/appliance-lab.sock", c.OpenFlow.Listen.ToString());
        Assert.IsTrue(c.OpenFlow.Listen.IsLoopback);
        Assert.AreEqual(IPAddress.Parse("198.18.0.100"), c.Service.Vip);
        Assert.AreEqual("02:00:c6:12:00:64", c.Service.Vmac.ToString());
        Assert.AreEqual(ServiceConfig.DefaultVmacFor(c.Service.Vip), c.Service.Vmac);
        Assert.AreEqual(ServiceMode.Nat, c.Service.Mode);
        Assert.HasCount(2, c.Servers);
        Assert.AreEqual(new ServerConfig("master", IPAddress.Parse("198.18.0.1"), 1u, null), c.Servers[0]);
        Assert.AreEqual(new ServerConfig("slave", IPAddress.Parse("198.18.0.2"), 2u, null), c.Servers[1]);
        Assert.AreEqual(PanelDriver.Simulated, c.Panel.Driver);
        Assert.AreEqual(new IPEndPoint(IPAddress.Parse("198.18.0.6"), 8080), c.Api.Listen);
        Assert.AreEqual("/run/appliance/lab.token", c.Api.TokenFile);
        Assert.AreEqual(
            new HealthConfig(ProbeKind.Http, 80, "/", TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40), 3, 3) { Passive = PassiveHealthConfig.Default with { Ports = [80] } },
            c.Health);
        Assert.IsEmpty(c.Warnings, string.Join("\n", c.Warnings));
    }

    [TestMethod]
    public void ExampleWithEveryOptionalKeyRemovedGivesTheSameConfig()
    {
        // The example's values are the defaults (docs/configuration.md): only the required keys differ from an empty file.
        ApplianceConfig full = ConfigLoader.Load(ExamplePath("appliance.yml"));
        ApplianceConfig minimal = Parse(Minimal);
        Assert.AreEqual(full.Bridge, minimal.Bridge);
        Assert.AreEqual(full.OpenFlow, minimal.OpenFlow);
        Assert.AreEqual(full.Service, minimal.Service);
        Assert.IsTrue(full.Servers.SequenceEqual(minimal.Servers));
        Assert.AreEqual(full.Health, minimal.Health);
        Assert.AreEqual(full.Failback, minimal.Failback);
        Assert.AreEqual(full.Panel, minimal.Panel);
        Assert.AreEqual(full.Api, minimal.Api);
    }
}

[TestClass]
public sealed class DefaultsTests
{
    [TestMethod]
    public void AbsentKeysTakeTheSpecDefaults()
    {
        ApplianceConfig c = Parse(Minimal);

        Assert.AreEqual(FileName, c.SourcePath);
        Assert.AreEqual("br0", c.Bridge.Name);
        Assert.AreEqual(DatapathType.System, c.Bridge.Datapath);
        Assert.AreEqual(IPAddress.Parse("10.0.0.6"), c.Bridge.ManagementAddress);
        Assert.AreEqual(24, c.Bridge.ManagementPrefixLength);
        Assert.AreEqual("tcp:127.0.0.1:6653", c.OpenFlow.Listen.ToString());
        Assert.IsFalse(c.OpenFlow.AllowRemote);
        Assert.AreEqual("02:00:0a:00:00:64", c.Service.Vmac.ToString());
        Assert.AreEqual(ServiceMode.Nat, c.Service.Mode);
        Assert.AreEqual(ProbeKind.Http, c.Health.Probe);
        Assert.AreEqual(80, c.Health.Port);
        Assert.AreEqual("/", c.Health.Path);
        Assert.AreEqual(TimeSpan.FromMilliseconds(20), c.Health.Interval);
        Assert.AreEqual(TimeSpan.FromMilliseconds(40), c.Health.Timeout);
        Assert.AreEqual(3, c.Health.Fall);
        Assert.AreEqual(3, c.Health.Rise);
        Assert.AreEqual(FailbackMode.Auto, c.Failback);
        Assert.AreEqual(new PanelConfig(PanelDriver.Auto, 0, 17, 27, 22, 23, true), c.Panel);
        Assert.AreEqual("10.0.0.6:80", c.Api.Listen.ToString());
        Assert.AreEqual("/etc/appliance/api.token", c.Api.TokenFile);
        Assert.IsEmpty(c.Warnings);
    }

    [TestMethod]
    public void ApiListenDefaultsToTheConfiguredManagementAddress()
    {
        ApplianceConfig c = Parse(WithMinimal("bridge: { management: 10.0.0.9/16 }"));
        Assert.AreEqual(new IPEndPoint(IPAddress.Parse("10.0.0.9"), 80), c.Api.Listen);
        Assert.AreEqual(16, c.Bridge.ManagementPrefixLength);
    }

    [TestMethod]
    public void VmacDefaultsToTwoZeroFollowedByTheVipBytes()
    {
        ApplianceConfig c = Parse("""
            service: { vip: 192.168.1.254 }
            servers: [ { name: a, address: 192.168.1.1, port: 7 } ]
            """);
        Assert.AreEqual(0x0200_c0a8_01feUL, c.Service.Vmac.Value);
        Assert.AreEqual("02:00:c0:a8:01:fe", c.Service.Vmac.ToString());
        Assert.IsTrue(c.Service.Vmac.IsUnicast);
        Assert.IsTrue(c.Service.Vmac.IsLocallyAdministered);
    }

    [TestMethod]
    public void EmptySectionsMeanAllDefaults()
    {
        ApplianceConfig c = Parse(WithMinimal("""
            bridge:
            openflow:
            health: {}
            panel:
              leds:
              button: {}
            api:
            """));
        Assert.AreEqual(Parse(Minimal).Panel, c.Panel);
        Assert.AreEqual(Parse(Minimal).Health, c.Health);
        Assert.AreEqual(Parse(Minimal).Api, c.Api);
    }

    [TestMethod]
    public void EveryValueCanBeSet()
    {
        ApplianceConfig c = Parse("""
            bridge:
              name: ovsbr1
              datapath: netdev
              management: 172.16.5.2/28
            openflow:
              listen: tcp:172.16.5.2:6633
              allow_remote: true
            service:
              vip: 172.16.5.10
              vmac: 0A-BB-CC-DD-EE-FF
              mode: dsr
            servers:
              - name: web-1
                address: 172.16.5.3
                port: 4294967040
                mac: 00:11:22:33:44:55
              - { name: web-2, address: 172.16.5.4, port: 9 }
              - { name: web-3, address: 172.16.5.5, port: 10, mac: 00:11:22:33:44:56 }
            health:
              probe: tcp
              port: 8443
              path: /healthz?full=1
              interval: 1.5s
              timeout: 2s
              fall: 1
              rise: 100
              passive: off
              passive_ports: [8443, 53]
              passive_refusals: 5
              passive_within: 2s
            failback: manual
            panel:
              driver: libgpiod
              chip: 2
              leds: { master: 0, slave: 1, fault: 2 }
              button: { pin: 3, pull_up: false }
            api:
              listen: 0.0.0.0:8080
              token_file: relative/token
            """);

        Assert.AreEqual(new BridgeConfig("ovsbr1", DatapathType.Netdev, IPAddress.Parse("172.16.5.2"), 28), c.Bridge);
        Assert.AreEqual(new OpenFlowConfig(new TcpEndpoint(IPAddress.Parse("172.16.5.2"), 6633), true), c.OpenFlow);
        Assert.IsFalse(c.OpenFlow.Listen.IsLoopback);
        Assert.AreEqual(new ServiceConfig(IPAddress.Parse("172.16.5.10"), new MacAddress(0x0abb_ccdd_eeffUL), ServiceMode.Dsr), c.Service);
        Assert.HasCount(3, c.Servers);
        Assert.AreEqual(new ServerConfig("web-1", IPAddress.Parse("172.16.5.3"), 0xffffff00u, new MacAddress(0x0011_2233_4455UL)), c.Servers[0]);
        Assert.AreEqual(new ServerConfig("web-2", IPAddress.Parse("172.16.5.4"), 9u, null), c.Servers[1]);
        Assert.AreEqual(new ServerConfig("web-3", IPAddress.Parse("172.16.5.5"), 10u, new MacAddress(0x0011_2233_4456UL)), c.Servers[2]);
        Assert.AreEqual(
            new HealthConfig(ProbeKind.Tcp, 8443, "/healthz?full=1", TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(2), 1, 100)
            {
                Passive = new PassiveHealthConfig(false, [8443, 53], 5, TimeSpan.FromSeconds(2)),
            },
            c.Health);
        Assert.AreEqual(FailbackMode.Manual, c.Failback);
        Assert.AreEqual(new PanelConfig(PanelDriver.Libgpiod, 2, 0, 1, 2, 3, false), c.Panel);
        Assert.AreEqual(new ApiConfig(new IPEndPoint(IPAddress.Any, 8080), "relative/token"), c.Api);
        Assert.IsEmpty(c.Warnings, string.Join("\n", c.Warnings));
    }

    [TestMethod]
    public void PriorityFollowsListOrder()
    {
        ApplianceConfig c = Parse("""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: b, address: 10.0.0.3, port: 3 }
              - { name: a, address: 10.0.0.1, port: 1 }
              - { name: c, address: 10.0.0.2, port: 2 }
            """);
        Assert.AreEqual("b", c.Master.Name);
        Assert.AreEqual(0, c.PriorityOf("b"));
        Assert.AreEqual(1, c.PriorityOf("a"));
        Assert.AreEqual(2, c.PriorityOf("c"));
        Assert.AreEqual(2, c.PriorityOf(c.Servers[2]));
        Assert.AreEqual(-1, c.PriorityOf("nobody"));
        Assert.AreSame(c.Servers[1], c.FindServer("a"));
        Assert.IsNull(c.FindServer("B"));
        Assert.AreSame(c.Servers[2], c.FindServerByPort(2));
        Assert.IsNull(c.FindServerByPort(4));
    }

    [TestMethod]
    public void EnumsAndBooleansAreCaseInsensitive()
    {
        ApplianceConfig c = Parse(WithMinimal("""
            failback: Manual
            health: { probe: ICMP }
            panel: { driver: None, button: { pull_up: False } }
            """));
        Assert.AreEqual(FailbackMode.Manual, c.Failback);
        Assert.AreEqual(ProbeKind.Icmp, c.Health.Probe);
        Assert.AreEqual(PanelDriver.None, c.Panel.Driver);
        Assert.IsFalse(c.Panel.ButtonPullUp);
    }

    [TestMethod]
    public void QuotedScalarsAreReadByTheirText()
    {
        ApplianceConfig c = Parse("""
            service: { vip: "10.0.0.100" }
            servers: [ { name: 'master', address: "10.0.0.1", port: "1" } ]
            health: { interval: "30ms" }
            """);
        Assert.AreEqual(1u, c.Master.Port);
        Assert.AreEqual(TimeSpan.FromMilliseconds(30), c.Health.Interval);
    }

    [TestMethod]
    public void AnchorsAndAliasesAreFollowed()
    {
        ApplianceConfig c = Parse("""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: master, address: 10.0.0.1, port: &p1 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            panel: { chip: *p1 }
            """);
        Assert.AreEqual(1, c.Panel.Chip);
    }

    [TestMethod]
    public void OneServerIsAllowedWithAWarning()
    {
        ApplianceConfig c = Parse("""
            service:
              vip: 10.0.0.100
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
            """);
        Assert.HasCount(1, c.Servers);
        Assert.HasCount(1, c.Warnings);
        AssertError(c.Warnings[0], 4, 3, "servers", "only one server is configured: there is nothing to fail over to");
    }

    [TestMethod]
    public void ServerOutsideTheManagementSubnetIsAWarning()
    {
        ApplianceConfig c = Parse("""
            service: { vip: 10.0.0.100 }
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { name: far, address: 10.0.1.2, port: 2 }
            """);
        Assert.HasCount(1, c.Warnings);
        AssertError(c.Warnings[0], 4, 27, "servers[1].address",
            "10.0.1.2 is outside the management subnet 10.0.0.0/24; health probes and ARP leave from the management address");
    }

    [TestMethod]
    public void TimeoutLongerThanIntervalIsAllowed()
    {
        ApplianceConfig c = Parse(WithMinimal("health: { interval: 10ms, timeout: 5s }"));
        Assert.AreEqual(TimeSpan.FromMilliseconds(10), c.Health.Interval);
        Assert.AreEqual(TimeSpan.FromSeconds(5), c.Health.Timeout);
    }
}
