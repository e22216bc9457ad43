using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary>File-level problems: YAML syntax, document shape, unknown and duplicate keys, wrong node types.</summary>
[TestClass]
public sealed class StructureTests
{
    [TestMethod]
    public void YamlSyntaxErrorIsAPositionedError()
    {
        ConfigError e = Single("""
            service:
              vip: 10.0.0.100
            servers:
              - { name: master, address: 10.0.0.1, port: 1
            """);
        Assert.AreEqual(5, e.Line, e.ToString());
        Assert.AreEqual(1, e.Column, e.ToString());
        Assert.AreEqual("", e.Key);
        Assert.StartsWith("YAML syntax error: ", e.Message);
        Assert.DoesNotContain("Idx:", e.Message);
    }

    [TestMethod]
    public void BadIndentationIsAYamlSyntaxError()
    {
        ConfigError e = Single("""
            service:
              vip: 10.0.0.100
               mode: nat
            """);
        Assert.AreEqual(3, e.Line, e.ToString());
        Assert.StartsWith("YAML syntax error: ", e.Message);
    }

    [TestMethod]
    public void UnknownAliasIsAnError()
    {
        AssertSingle(WithMinimal("panel: { chip: *nothing }"), 6, 16, "", "unknown alias *nothing");
    }

    [TestMethod]
    public void DeepNestingIsRefused()
    {
        string deep = "failback: " + new string('[', 40) + new string(']', 40);
        AssertSingle(WithMinimal(deep), 6, 43, "", "the YAML is nested more than 32 levels deep");
    }

    [TestMethod]
    public void SelfReferencingAliasIsHandled()
    {
        // An aliased node is the anchored node itself: its errors point at the anchor's definition.
        AssertSingle("service: { vip: 10.0.0.100 }\nservers: &s [ *s ]\n", 2, 10, "servers[0]",
            "expected a mapping with name, address and port, got a list");
    }

    [TestMethod]
    public void SecondDocumentIsAnError()
    {
        AssertSingle(Minimal + "\n---\nfailback: auto\n", 6, 1, "", "the file must hold a single YAML document");
    }

    [TestMethod]
    public void RootMustBeAMapping()
    {
        AssertSingle("- service\n- servers\n", 1, 1, "",
            "expected a mapping of sections (bridge, openflow, service, servers, health, failback, panel, api, time, notify, pair), got a list");
        AssertSingle("just text\n", 1, 1, "",
            "expected a mapping of sections (bridge, openflow, service, servers, health, failback, panel, api, time, notify, pair), got \"just text\"");
    }

    [TestMethod]
    public void EmptyFileReportsBothRequiredKeys()
    {
        foreach (string text in new[] { "", "# only a comment\n", "---\n" })
        {
            IReadOnlyList<ConfigError> errors = Errors(text);
            Assert.HasCount(2, errors, string.Join("\n", errors));
            AssertError(errors[0], 1, 1, "service", "required key missing");
            AssertError(errors[1], 1, 1, "servers", "required key missing: list the servers, the master first");
        }
    }

    [TestMethod]
    public void UnknownTopLevelKeySuggestsTheNearestKnownOne()
    {
        AssertSingle(WithMinimal("helth:\n  probe: tcp\n"), 6, 1, "helth", "unknown key \"helth\"; did you mean \"health\"?");
        AssretFailback("failbak", "failback");
        AssretFailback("fialback", "failback"); // a transposition counts as one edit
    }

    private static void AssretFailback(string written, string suggested) =>
        AssertSingle(WithMinimal($"{written}: manual"), 6, 1, written, $"unknown key \"{written}\"; did you mean \"{suggested}\"?");

    [TestMethod]
    public void UnknownKeyFarFromAnyKnownOneListsThem()
    {
        AssertSingle(WithMinimal("""
            health:
              probe: tcp
              colour: red
            """), 8, 3, "health.colour",
            "unknown key \"colour\"; expected one of probe, port, path, interval, timeout, fall, rise, hold_down, flap_window, hard_down, passive, passive_ports, passive_refusals, passive_within");
    }

    [TestMethod]
    public void UnknownKeysAreFoundAtEveryLevel()
    {
        IReadOnlyList<ConfigError> errors = Errors("""
            bridge: { nmae: br1 }
            openflow: { allow_remtoe: true }
            service: { vip: 10.0.0.100, vamc: 02:00:00:00:00:01 }
            servers:
              - { name: master, address: 10.0.0.1, port: 1, macc: 02:00:00:00:00:02 }
            panel:
              leds: { mastr: 1 }
              button: { pull-up: false }
            api: { tokenfile: /x }
            """);
        Assert.HasCount(7, errors, string.Join("\n", errors));
        AssertError(errors[0], 1, 11, "bridge.nmae", "unknown key \"nmae\"; did you mean \"name\"?");
        AssertError(errors[1], 2, 13, "openflow.allow_remtoe", "unknown key \"allow_remtoe\"; did you mean \"allow_remote\"?");
        AssertError(errors[2], 3, 29, "service.vamc", "unknown key \"vamc\"; did you mean \"vmac\"?");
        AssertError(errors[3], 5, 49, "servers[0].macc", "unknown key \"macc\"; did you mean \"mac\"?");
        AssertError(errors[4], 7, 11, "panel.leds.mastr", "unknown key \"mastr\"; did you mean \"master\"?");
        AssertError(errors[5], 8, 13, "panel.button.pull-up", "unknown key \"pull-up\"; did you mean \"pull_up\"?");
        AssertError(errors[6], 9, 8, "api.tokenfile", "unknown key \"tokenfile\"; did you mean \"token_file\"?");
    }

    [TestMethod]
    public void DuplicateKeyIsAnError()
    {
        AssertSingle("""
            service:
              vip: 10.0.0.100
              mode: nat
              mode: dsr
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            """, 4, 3, "service.mode", "duplicate key (first given on line 3)");
    }

    [TestMethod]
    public void NonScalarKeyIsAnError()
    {
        AssertSingle(WithMinimal("health: { [a, b]: 1 }"), 6, 11, "health", "keys must be plain names, got a list");
    }

    [TestMethod]
    public void SectionOfTheWrongTypeIsAnError()
    {
        AssertSingle(WithMinimal("health: [1, 2]"), 6, 9, "health",
            "expected a mapping (probe, port, path, interval, timeout, fall, rise, hold_down, flap_window, hard_down, passive, passive_ports, passive_refusals, passive_within), got a list");
        AssertSingle(WithMinimal("panel: gpio"), 6, 8, "panel",
            "expected a mapping (driver, chip, leds, button), got \"gpio\"");
        AssertSingle(WithMinimal("panel:\n  leds: 17"), 7, 9, "panel.leds",
            "expected a mapping (master, slave, fault), got \"17\"");
    }

    [TestMethod]
    public void ServiceOfTheWrongTypeIsReportedOnce()
    {
        AssertSingle("""
            service: 10.0.0.100
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            """, 1, 10, "service", "expected a mapping (vip, vmac, mode, conntrack_zone, conntrack_limit), got \"10.0.0.100\"");
    }

    [TestMethod]
    public void MappingWhereAScalarIsExpectedIsAnError()
    {
        AssertSingle(WithMinimal("health:\n  port: { number: 80 }"), 7, 9, "health.port",
            "expected an integer from 1 to 65535, got a mapping");
        AssertSingle(WithMinimal("failback: [auto]"), 6, 11, "failback",
            "expected one of auto, manual, got a list");
    }

    [TestMethod]
    public void EmptyScalarValueIsAnErrorAtItsKey()
    {
        AssertSingle(WithMinimal("health:\n  probe:\n  port: 80"), 7, 3, "health.probe",
            "expected one of link, arp, icmp, tcp, http, got nothing");
        AssertSingle(WithMinimal("failback: ~"), 6, 11, "failback",
            "expected one of auto, manual, got nothing");
    }

    [TestMethod]
    public void EveryErrorIsReportedInFileOrder()
    {
        const string Text = """
            bridge:
              datapath: kernel
              management: 10.0.0.6
            openflow:
              listen: tcp:10.0.0.6:6653
            service:
              mode: nat
            servers:
              - { name: Master, address: 10.0.0.1, port: x }
              - { name: slave, address: 10.0.0.1, port: 2 }
            health:
              interval: 20
              fall: 0
            failback: sometimes
            panel:
              leds: { master: 23 }
            """;
        IReadOnlyList<ConfigError> errors = Errors(Text);
        string[] expected =
        [
            "appliance.yml:2:13: bridge.datapath: expected one of system, netdev, got \"kernel\"",
            "appliance.yml:3:15: bridge.management: expected an IPv4 address with prefix length, e.g. 10.0.0.6/24, got \"10.0.0.6\": the /prefix length is missing",
            "appliance.yml:5:11: openflow.listen: tcp:10.0.0.6:6653 is not a loopback address and the switch's OpenFlow channel would be reachable from the network; set openflow.allow_remote: true to allow it",
            "appliance.yml:7:3: service.vip: required key missing",
            "appliance.yml:9:13: servers[0].name: expected a name of 1 to 16 characters from a-z, 0-9 and '-', got \"Master\"",
            "appliance.yml:9:46: servers[0].port: expected an integer from 1 to 4294967040, got \"x\"",
            "appliance.yml:10:29: servers[1].address: address 10.0.0.1 is already used by servers[0] (line 9)",
            "appliance.yml:12:13: health.interval: expected a duration such as 20ms or 1.5s (units: ms, s); a unit is required, e.g. 20ms, got \"20\"",
            "appliance.yml:13:9: health.fall: expected an integer from 1 to 100, got \"0\"",
            "appliance.yml:14:11: failback: expected one of auto, manual, got \"sometimes\"",
            "appliance.yml:16:19: panel.leds.master: pin 23 is already used by the default for panel.button.pin; the three LEDs and the button need four different pins",
        ];
        CollectionAssert.AreEqual(expected, errors.Select(e => e.ToString()).ToArray(), string.Join("\n", errors));

        ConfigException ex = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Parse(Text, FileName));
        Assert.AreEqual(string.Join("\n", expected), ex.Message);
        Assert.AreEqual(ex.Message, ex.ToString());
        CollectionAssert.AreEqual(errors.ToArray(), ex.Errors.ToArray());
    }
}
