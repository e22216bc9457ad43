using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary>openflow, health, failback, panel and api rules. Extra lines start at line 6 after <see cref="TestSupport.Minimal"/>.</summary>
[TestClass]
public sealed class SectionRuleTests
{
    // ---- openflow ----

    private static string Listen(string value, string? allowRemote = null) =>
        WithMinimal("openflow:\n  listen: " + value + (allowRemote is null ? "" : "\n  allow_remote: " + allowRemote));

    [TestMethod]
    public void OpenFlowListenForms()
    {
        Assert.AreEqual(new TcpEndpoint(System.Net.IPAddress.Parse("127.0.0.53"), 6633), Parse(Listen("tcp:127.0.0.53:6633")).OpenFlow.Listen);
        Assert.AreEqual(new TcpEndpoint(System.Net.IPAddress.IPv6Loopback, 6653), Parse(Listen("\"tcp:[::1]:6653\"")).OpenFlow.Listen);
        Assert.AreEqual(new UnixEndpoint("/var/run/openvswitch/appliance.sock"), Parse(Listen("unix:/var/run/openvswitch/appliance.sock")).OpenFlow.Listen);
    }

    [TestMethod]
    public void OpenFlowListenSyntaxErrors()
    {
        AssertSingle(Listen("ptcp:6653"), 7, 11, "openflow.listen",
            "expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653) or unix:/absolute/path");
        AssertSingle(Listen("tcp:localhost:6653"), 7, 11, "openflow.listen",
            "expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653): \"localhost\" is not an IP address");
        AssertSingle(Listen("tcp:127.0.0.1"), 7, 11, "openflow.listen",
            "expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653): missing :PORT in \"127.0.0.1\"");
        AssertSingle(Listen("tcp:127.0.0.1:0"), 7, 11, "openflow.listen",
            "expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653): the port must be an integer from 1 to 65535, got \"0\"");
        AssertSingle(Listen("tcp:127.0.0.1:65536"), 7, 11, "openflow.listen",
            "expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653): the port must be an integer from 1 to 65535, got \"65536\"");
        AssertSingle(Listen("\"tcp:::1:6653\""), 7, 11, "openflow.listen",
            "expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653): an IPv6 address must be written in brackets, e.g. [::1]:6653");
        AssertSingle(Listen("unix:run/appliance.sock"), 7, 11, "openflow.listen",
            "the socket path must be absolute (start with '/'), got \"run/appliance.sock\"");
        AssertSingle(Listen("\"unix:\""), 7, 11, "openflow.listen", "expected unix:/absolute/path, got no path");
        AssertSingle(Listen("unix:/run/"), 7, 11, "openflow.listen", "the socket path names a directory: \"/run/\"");
        AssertSingle(Listen("unix:/var/run/openvswitch/" + new string('a', 87)), 7, 11, "openflow.listen",
            "the socket path is 108 bytes long; Linux allows at most 107");
        AssertSingle(Listen("unix:/run/appliance/openflow.sock"), 7, 11, "openflow.listen",
            "Open vSwitch 3.1 connects to a unix: controller only when its path starts literally with /var/run/openvswitch/, " +
            "got \"/run/appliance/openflow.sock\" (on the box: unix:/var/run/openvswitch/appliance/openflow.sock)");
        AssertSingle(Listen("{ tcp: 6653 }"), 7, 11, "openflow.listen",
            "expected tcp:IP:PORT or unix:/absolute/path, got a mapping");
        Assert.AreEqual(107, ((UnixEndpoint)Parse(Listen("unix:/var/run/openvswitch/" + new string('a', 86))).OpenFlow.Listen).Path.Length);
    }

    [TestMethod]
    public void NonLoopbackListenNeedsAllowRemote()
    {
        const string Message = " is not a loopback address and the switch's OpenFlow channel would be reachable from the network; " +
            "set openflow.allow_remote: true to allow it";
        AssertSingle(Listen("tcp:10.0.0.6:6653"), 7, 11, "openflow.listen", "tcp:10.0.0.6:6653" + Message);
        AssertSingle(Listen("tcp:0.0.0.0:6653", "false"), 7, 11, "openflow.listen", "tcp:0.0.0.0:6653" + Message);
        AssertSingle(Listen("\"tcp:[::]:6653\""), 7, 11, "openflow.listen", "tcp:[::]:6653" + Message);

        ApplianceConfig c = Parse(Listen("tcp:0.0.0.0:6653", "true"));
        Assert.IsTrue(c.OpenFlow.AllowRemote);
        Assert.IsFalse(c.OpenFlow.Listen.IsLoopback);
        Assert.IsTrue(Parse(Listen("unix:/var/run/openvswitch/appliance/of.sock", "true")).OpenFlow.Listen.IsLoopback);
    }

    [TestMethod]
    public void UnixListenMustBeSpelledAsOpenVSwitchAcceptsIt()
    {
        // /run/openvswitch is the same directory, but ovs-vswitchd 3.1 compares the text and only logs its refusal.
        AssertSingle(Listen("unix:/run/openvswitch/of.sock"), 7, 11, "openflow.listen",
            "Open vSwitch 3.1 connects to a unix: controller only when its path starts literally with /var/run/openvswitch/ " +
            "(/run/openvswitch/ is the same directory, but Open vSwitch refuses that spelling), got \"/run/openvswitch/of.sock\"; " +
            "use unix:/var/run/openvswitch/of.sock");
        AssertSingle(Listen("unix:/var/run/openvswitch/../appliance/of.sock"), 7, 11, "openflow.listen",
            "the socket path must not contain \"//\", \".\" or \"..\" components, got \"/var/run/openvswitch/../appliance/of.sock\"");
        AssertSingle(Listen("unix:/var/run/openvswitch//of.sock"), 7, 11, "openflow.listen",
            "the socket path must not contain \"//\", \".\" or \"..\" components, got \"/var/run/openvswitch//of.sock\"");
        Assert.AreEqual(new UnixEndpoint("/var/run/openvswitch/appliance/openflow.sock"), Parse(Listen("unix:/var/run/openvswitch/appliance/openflow.sock")).OpenFlow.Listen);
    }

    private static string DatapathId(string value) => WithMinimal("openflow:\n  datapath_id: " + value);

    [TestMethod]
    public void DatapathIdIsAutoOrSixteenHexDigits()
    {
        Assert.IsNull(Parse(Minimal).OpenFlow.DatapathId, "auto by default: asked from OVSDB");
        Assert.IsNull(Parse(DatapathId("auto")).OpenFlow.DatapathId);
        Assert.AreEqual(0x00000200c6120706UL, Parse(DatapathId("00000200c6120706")).OpenFlow.DatapathId);
        Assert.AreEqual(0x00000200C6120706UL, Parse(DatapathId("\"00000200C6120706\"")).OpenFlow.DatapathId);
        const string Expected = "expected auto or the bridge's datapath ID as 16 hex digits (as `ovs-vsctl get bridge NAME datapath_id` prints it), got ";
        AssertSingle(DatapathId("0x200c6120706"), 7, 16, "openflow.datapath_id", Expected + "\"0x200c6120706\"");
        AssertSingle(DatapathId("200c6120706"), 7, 16, "openflow.datapath_id", Expected + "\"200c6120706\"");
        AssertSingle(DatapathId("00000200c612070g"), 7, 16, "openflow.datapath_id", Expected + "\"00000200c612070g\"");
        AssertSingle(DatapathId("[1]"), 7, 16, "openflow.datapath_id", "expected auto or 16 hex digits, got a list");
    }

    [TestMethod]
    public void AllowRemoteIsABoolean()
    {
        AssertSingle(Listen("tcp:127.0.0.1:6653", "yes"), 8, 17, "openflow.allow_remote", "expected true or false, got \"yes\"");
        AssertSingle(Listen("tcp:127.0.0.1:6653", "1"), 8, 17, "openflow.allow_remote", "expected true or false, got \"1\"");
    }

    [TestMethod]
    public void InvalidAllowRemoteDoesNotAlsoReportTheListenAddress()
    {
        AssertSingle(Listen("tcp:10.0.0.6:6653", "maybe"), 8, 17, "openflow.allow_remote", "expected true or false, got \"maybe\"");
    }

    // ---- health ----

    private static string Health(string key, string value) => WithMinimal($"health:\n  {key}: {value}");

    [TestMethod]
    public void ProbeMustBeAKnownKind()
    {
        AssertSingle(Health("probe", "ping"), 7, 10, "health.probe", "expected one of link, arp, icmp, tcp, http, got \"ping\"");
        foreach ((string text, ProbeKind kind) in new[]
                 {
                     ("link", ProbeKind.Link), ("arp", ProbeKind.Arp), ("icmp", ProbeKind.Icmp), ("tcp", ProbeKind.Tcp), ("http", ProbeKind.Http),
                 })
        {
            Assert.AreEqual(kind, Parse(Health("probe", text)).Health.Probe);
        }
    }

    [TestMethod]
    public void HealthPortIsATcpPort()
    {
        AssertSingle(Health("port", "0"), 7, 9, "health.port", "expected an integer from 1 to 65535, got \"0\"");
        AssertSingle(Health("port", "65536"), 7, 9, "health.port", "expected an integer from 1 to 65535, got \"65536\"");
        AssertSingle(Health("port", "http"), 7, 9, "health.port", "expected an integer from 1 to 65535, got \"http\"");
        Assert.AreEqual(65535, Parse(Health("port", "65535")).Health.Port);
        Assert.AreEqual(1, Parse(Health("port", "1")).Health.Port);
    }

    [TestMethod]
    public void HealthPathStartsWithASlash()
    {
        AssertSingle(Health("path", "healthz"), 7, 9, "health.path", "must start with '/'");
        AssertSingle(Health("path", "\"\""), 7, 9, "health.path", "must start with '/'");
        AssertSingle(Health("path", "\"/a b\""), 7, 9, "health.path", "must not contain spaces or control characters");
        Assert.AreEqual("/status/ok", Parse(Health("path", "/status/ok")).Health.Path);
    }

    [TestMethod]
    public void DurationsNeedAUnitAndMustBePositive()
    {
        const string Syntax = "expected a duration such as 20ms or 1.5s (units: ms, s)";
        AssertSingle(Health("interval", "20"), 7, 13, "health.interval", Syntax + "; a unit is required, e.g. 20ms, got \"20\"");
        AssertSingle(Health("interval", "20us"), 7, 13, "health.interval", Syntax + ", got \"20us\"");
        AssertSingle(Health("interval", "1m"), 7, 13, "health.interval", Syntax + ", got \"1m\"");
        AssertSingle(Health("interval", "\"20 ms\""), 7, 13, "health.interval", Syntax + ", got \"20 ms\"");
        AssertSingle(Health("interval", "-5ms"), 7, 13, "health.interval", Syntax + ", got \"-5ms\"");
        AssertSingle(Health("interval", "1.5.0s"), 7, 13, "health.interval", Syntax + ", got \"1.5.0s\"");
        AssertSingle(Health("interval", ".5s"), 7, 13, "health.interval", Syntax + ", got \".5s\"");
        AssertSingle(Health("timeout", "0ms"), 7, 12, "health.timeout", "a duration must be greater than zero, got \"0ms\"");
        AssertSingle(Health("timeout", "0.0s"), 7, 12, "health.timeout", "a duration must be greater than zero, got \"0.0s\"");
        AssertSingle(Health("timeout", "0.00001ms"), 7, 12, "health.timeout",
            "a duration's resolution is 0.1 microseconds (0.0001ms), got \"0.00001ms\"");
        Assert.AreEqual(TimeSpan.FromTicks(1), Parse(Health("timeout", "0.0001ms")).Health.Timeout);
        Assert.AreEqual(TimeSpan.FromMilliseconds(500), Parse(Health("timeout", "500ms")).Health.Timeout);
        Assert.AreEqual(TimeSpan.FromSeconds(2), Parse(Health("timeout", "2s")).Health.Timeout);
        Assert.AreEqual(TimeSpan.FromMilliseconds(1500), Parse(Health("timeout", "1.5s")).Health.Timeout);
    }

    [TestMethod]
    public void IntervalIsAtLeastTenMilliseconds()
    {
        AssertSingle(Health("interval", "9ms"), 7, 13, "health.interval", "must be at least 10ms, got 9ms");
        AssertSingle(Health("interval", "9.9999ms"), 7, 13, "health.interval", "must be at least 10ms, got 9.9999ms");
        Assert.AreEqual(TimeSpan.FromMilliseconds(10), Parse(Health("interval", "10ms")).Health.Interval);
        Assert.AreEqual(TimeSpan.FromMilliseconds(10), Parse(Health("interval", "0.01s")).Health.Interval);
    }

    [TestMethod]
    public void FallAndRiseAreFromOneToAHundred()
    {
        AssertSingle(Health("fall", "0"), 7, 9, "health.fall", "expected an integer from 1 to 100, got \"0\"");
        AssertSingle(Health("fall", "101"), 7, 9, "health.fall", "expected an integer from 1 to 100, got \"101\"");
        AssertSingle(Health("rise", "-3"), 7, 9, "health.rise", "expected an integer from 1 to 100, got \"-3\"");
        AssertSingle(Health("rise", "3.5"), 7, 9, "health.rise", "expected an integer from 1 to 100, got \"3.5\"");
        Assert.AreEqual(100, Parse(Health("fall", "100")).Health.Fall);
        Assert.AreEqual(1, Parse(Health("rise", "1")).Health.Rise);
    }

    // ---- failback ----

    [TestMethod]
    public void FailbackIsAutoOrManual()
    {
        AssertSingle(WithMinimal("failback: never"), 6, 11, "failback", "expected one of auto, manual, got \"never\"");
        Assert.AreEqual(FailbackMode.Manual, Parse(WithMinimal("failback: manual")).Failback);
    }

    // ---- panel ----

    [TestMethod]
    public void PanelDriverIsAKnownDriver()
    {
        AssertSingle(WithMinimal("panel:\n  driver: wiringpi"), 7, 11, "panel.driver",
            "expected one of auto, libgpiod, sysfs, simulated, none, got \"wiringpi\"");
        foreach ((string text, PanelDriver driver) in new[]
                 {
                     ("auto", PanelDriver.Auto), ("libgpiod", PanelDriver.Libgpiod), ("sysfs", PanelDriver.Sysfs),
                     ("simulated", PanelDriver.Simulated), ("none", PanelDriver.None),
                 })
        {
            Assert.AreEqual(driver, Parse(WithMinimal("panel: { driver: " + text + " }")).Panel.Driver);
        }
    }

    [TestMethod]
    public void ChipAndPinsAreNonNegative()
    {
        IReadOnlyList<ConfigError> errors = Errors(WithMinimal("""
            panel:
              chip: -1
              leds:
                master: -17
                slave: x
                fault: 2147483648
              button:
                pin: -23
                pull_up: on
            """));
        Assert.HasCount(6, errors, string.Join("\n", errors));
        AssertError(errors[0], 7, 9, "panel.chip", "expected an integer of 0 or more, got \"-1\"");
        AssertError(errors[1], 9, 13, "panel.leds.master", "expected an integer of 0 or more, got \"-17\"");
        AssertError(errors[2], 10, 12, "panel.leds.slave", "expected an integer of 0 or more, got \"x\"");
        AssertError(errors[3], 11, 12, "panel.leds.fault", "expected an integer of 0 or more, got \"2147483648\"");
        AssertError(errors[4], 13, 10, "panel.button.pin", "expected an integer of 0 or more, got \"-23\"");
        AssertError(errors[5], 14, 14, "panel.button.pull_up", "expected true or false, got \"on\"");
    }

    [TestMethod]
    public void PinsMustBeDistinct()
    {
        const string Tail = "; the three LEDs and the button need four different pins";
        AssertSingle(WithMinimal("""
            panel:
              leds: { master: 5, slave: 6, fault: 5 }
              button: { pin: 7 }
            """), 7, 39, "panel.leds.fault", "pin 5 is already used by panel.leds.master, line 7" + Tail);
        AssertSingle(WithMinimal("""
            panel:
              leds: { master: 5, slave: 6, fault: 8 }
              button:
                pin: 6
            """), 9, 10, "panel.button.pin", "pin 6 is already used by panel.leds.slave, line 7" + Tail);
        AssertSingle(WithMinimal("panel:\n  button: { pin: 27 }"), 7, 18, "panel.button.pin",
            "pin 27 is already used by the default for panel.leds.slave" + Tail);

        IReadOnlyList<ConfigError> errors = Errors(WithMinimal("panel:\n  leds: { master: 1, slave: 1, fault: 1 }\n  button: { pin: 1 }"));
        Assert.HasCount(3, errors, string.Join("\n", errors));
        AssertError(errors[0], 7, 29, "panel.leds.slave", "pin 1 is already used by panel.leds.master, line 7" + Tail);
        AssertError(errors[1], 7, 39, "panel.leds.fault", "pin 1 is already used by panel.leds.master, line 7" + Tail);
        AssertError(errors[2], 8, 18, "panel.button.pin", "pin 1 is already used by panel.leds.master, line 7" + Tail);
    }

    [TestMethod]
    public void SwappingDefaultPinsIsAllowed()
    {
        ApplianceConfig c = Parse(WithMinimal("panel:\n  leds: { master: 27, slave: 17 }"));
        Assert.AreEqual(27, c.Panel.MasterLed);
        Assert.AreEqual(17, c.Panel.SlaveLed);
    }

    // ---- api ----

    [TestMethod]
    public void ApiListenIsIpAndPort()
    {
        static string Api(string value) => WithMinimal("api:\n  listen: " + value);
        AssertSingle(Api("10.0.0.6"), 7, 11, "api.listen", "missing :PORT in \"10.0.0.6\"");
        AssertSingle(Api("10.0.0.6:0"), 7, 11, "api.listen", "the port must be an integer from 1 to 65535, got \"0\"");
        AssertSingle(Api("10.0.0.6:http"), 7, 11, "api.listen", "the port must be an integer from 1 to 65535, got \"http\"");
        AssertSingle(Api("appliance.local:80"), 7, 11, "api.listen", "\"appliance.local\" is not an IP address");
        AssertSingle(Api("\"[fe80::1%eth0]:80\""), 7, 11, "api.listen", "\"fe80::1%eth0\" is not an IPv6 address");
        AssertSingle(Api("\"[::1]80\""), 7, 11, "api.listen", "expected [IPv6]:PORT, got \"[::1]80\"");
        Assert.AreEqual("[::]:8080", Parse(Api("\"[::]:8080\"")).Api.Listen.ToString());
        Assert.AreEqual("127.0.0.1:9000", Parse(Api("127.0.0.1:9000")).Api.Listen.ToString());
    }

    [TestMethod]
    public void TokenFileIsNotEmpty()
    {
        AssertSingle(WithMinimal("api:\n  token_file: \"\""), 7, 15, "api.token_file", "must not be empty");
        AssertSingle(WithMinimal("api:\n  token_file:"), 7, 3, "api.token_file", "expected a file path, got nothing");
    }

    [TestMethod]
    public void HostnamesAreAListOfNamesOrAddresses()
    {
        Assert.IsEmpty(Parse(Minimal).Api.Hostnames);
        Assert.IsEmpty(Parse(WithMinimal("api: { hostnames: }")).Api.Hostnames);
        CollectionAssert.AreEqual(
            new[] { "appliance.office.example", "Box", "box.example.", "192.168.1.250", "fd00::6", "x-1.y2" },
            Parse(WithMinimal("api:\n  hostnames: [appliance.office.example, Box, box.example., 192.168.1.250, \"fd00::6\", x-1.y2]")).Api.Hostnames.ToArray());
        AssertSingle(WithMinimal("api: { hostnames: box.example }"), 6, 19, "api.hostnames",
            "expected a list of host names, e.g. [appliance.office.example], got \"box.example\"");
        const string Labels = "a host name is labels of 1 to 63 letters, digits and hyphens (not first or last), separated by dots";
        IReadOnlyList<ConfigError> errors = Errors(WithMinimal($"api: {{ hostnames: [ok, -bad, \"a b\", a..b, \"*.example\", {new string('a', 64)}, [x], \".\"] }}"));
        Assert.HasCount(7, errors, string.Join("\n", errors));
        AssertError(errors[0], 6, 24, "api.hostnames[1]", $"{Labels}, got \"-bad\"");
        AssertError(errors[1], 6, 30, "api.hostnames[2]", $"{Labels}, got \"a b\"");
        AssertError(errors[2], 6, 37, "api.hostnames[3]", $"{Labels}, got \"a..b\"");
        AssertError(errors[3], 6, 43, "api.hostnames[4]", $"{Labels}, got \"*.example\"");
        Assert.AreEqual("api.hostnames[5]", errors[4].Key);
        AssertError(errors[5], 6, 122, "api.hostnames[6]", "expected a host name such as appliance.office.example, or an IP address, got a list");
        AssertError(errors[6], 6, 127, "api.hostnames[7]", "a host name has 1 to 253 characters, got \".\"");
    }

    [TestMethod]
    public void HoldDownAndFlapWindow()
    {
        var defaults = ConfigLoader.Parse("service: { vip: 10.0.0.100 }\nservers:\n  - { name: m, address: 10.0.0.1, port: 1 }\n", "t.yml").Health;
        Assert.AreEqual(TimeSpan.FromSeconds(5), defaults.HoldDown);
        Assert.AreEqual(TimeSpan.FromSeconds(60), defaults.FlapWindow);
        var set = ConfigLoader.Parse("service: { vip: 10.0.0.100 }\nservers:\n  - { name: m, address: 10.0.0.1, port: 1 }\nhealth: { hold_down: 2s, flap_window: 30s }\n", "t.yml").Health;
        Assert.AreEqual(TimeSpan.FromSeconds(2), set.HoldDown);
        Assert.AreEqual(TimeSpan.FromSeconds(30), set.FlapWindow);
        var off = ConfigLoader.Parse("service: { vip: 10.0.0.100 }\nservers:\n  - { name: m, address: 10.0.0.1, port: 1 }\nhealth: { hold_down: off }\n", "t.yml").Health;
        Assert.AreEqual(TimeSpan.Zero, off.HoldDown);
        var bad = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Parse("service: { vip: 10.0.0.100 }\nservers:\n  - { name: m, address: 10.0.0.1, port: 1 }\nhealth: { hold_down: never }\n", "t.yml"));
        StringAssert.Contains(bad.Message, "t.yml:4:22: health.hold_down:");
    }

    [TestMethod]
    public void HardDown()
    {
        const string Head = "service: { vip: 10.0.0.100 }\nservers:\n  - { name: m, address: 10.0.0.1, port: 1 }\n";
        Assert.AreEqual(TimeSpan.FromMilliseconds(500), ConfigLoader.Parse(Head, "t.yml").Health.HardDown);
        Assert.AreEqual(TimeSpan.FromSeconds(2), ConfigLoader.Parse(Head + "health: { hard_down: 2s }\n", "t.yml").Health.HardDown);
        Assert.AreEqual(TimeSpan.Zero, ConfigLoader.Parse(Head + "health: { hard_down: 0 }\n", "t.yml").Health.HardDown);
        var tooLong = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Parse(Head + "health: { hard_down: 301s }\n", "t.yml"));
        StringAssert.Contains(tooLong.Message, "t.yml:4:22: health.hard_down: must be at most 300s, got 301s");
        var word = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Parse(Head + "health: { hard_down: off }\n", "t.yml"));
        StringAssert.Contains(word.Message, "health.hard_down:");
    }

    [TestMethod]
    public void AtMost255Servers()
    {
        var servers = string.Join("\n", Enumerable.Range(1, 256).Select(i => $"  - {{ name: s{i}, address: 10.0.{i / 200}.{i % 200 + 1}, port: {i} }}"));
        var e = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Parse($"service: {{ vip: 10.9.0.100 }}\nservers:\n{servers}\n", "t.yml"));
        StringAssert.Contains(e.Message, "servers: at most 255 servers, got 256");
    }
}
