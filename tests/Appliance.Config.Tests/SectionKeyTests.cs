using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary>
/// A section's keys are the ones its reader asks for, in the order asked: these pin every section's list
/// and the place of an unknown key among errors found at the same position.
/// </summary>
[TestClass]
public sealed class SectionKeyTests
{
    [TestMethod]
    public void EverySectionListsItsKeysInOrder()
    {
        IReadOnlyList<ConfigError> errors = Errors("""
            zzzzzzzz: 1
            bridge: { zzzzzzzz: 1 }
            openflow: { zzzzzzzz: 1 }
            service: { vip: 10.0.0.100, zzzzzzzz: 1 }
            servers:
              - { name: master, address: 10.0.0.1, port: 1, zzzzzzzz: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            health: { zzzzzzzz: 1 }
            panel: { zzzzzzzz: 1, leds: { zzzzzzzz: 1 }, button: { zzzzzzzz: 1 } }
            api: { zzzzzzzz: 1 }
            pair: { notify_fifo: /a, track_file: /b, zzzzzzzz: 1 }
            """);
        string[] expected =
        [
            "appliance.yml:1:1: zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of bridge, openflow, service, servers, health, failback, panel, api, time, notify, pair",
            "appliance.yml:2:11: bridge.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of name, datapath, management",
            "appliance.yml:3:13: openflow.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of listen, allow_remote, datapath_id",
            "appliance.yml:4:29: service.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of vip, vmac, mode, conntrack_zone, conntrack_limit",
            "appliance.yml:6:49: servers[0].zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of name, address, port, mac",
            "appliance.yml:8:11: health.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of probe, port, path, interval, timeout, fall, rise, hold_down, flap_window, hard_down, passive, passive_ports, passive_refusals, passive_within",
            "appliance.yml:9:10: panel.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of driver, chip, leds, button",
            "appliance.yml:9:31: panel.leds.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of master, slave, fault",
            "appliance.yml:9:56: panel.button.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of pin, pull_up",
            "appliance.yml:10:8: api.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of listen, token_file, hostnames",
            "appliance.yml:11:42: pair.zzzzzzzz: unknown key \"zzzzzzzz\"; expected one of notify_fifo, track_file, settle, peer_api, peer_token_file",
        ];
        CollectionAssert.AreEqual(expected, errors.Select(e => e.ToString()).ToArray(), string.Join("\n", errors));
    }

    [TestMethod]
    public void UnknownKeyComesBeforeAMissingKeyReportedAtTheSamePlace()
    {
        // The service mapping starts at its first key, so both errors are at 2:3.
        IReadOnlyList<ConfigError> errors = Errors("""
            service:
              vipp: 10.0.0.100
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            """);
        Assert.HasCount(2, errors, string.Join("\n", errors));
        AssertError(errors[0], 2, 3, "service.vipp", "unknown key \"vipp\"; did you mean \"vip\"?");
        AssertError(errors[1], 2, 3, "service.vip", "required key missing");
    }
}
