using System.Text.RegularExpressions;

namespace Appliance.Integration.Tests;

/// <summary>
/// The lab stands in for the box, so it must not offer paths the box does not have. With the
/// userspace datapath the host's IP stack also sees the ports' veths; if it answered ARP on them, a
/// server would send the firmware's probe replies to a veth's MAC, past the switch.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed partial class LabTests
{
    [TestMethod]
    public void ServersReachTheManagementAddressOnlyThroughTheSwitch()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http"));
        lab.WaitServing("master", TimeSpan.FromSeconds(5));
        var bridgeMac = lab.ManagementMac;
        string[] servers = ["master", "slave"];
        foreach (var server in servers)
        {
            // Every answer counts: the bridge's must be the only one.
            var arping = lab.Exec(server, "arping", "-c", "2", "-w", "3", "-I", lab.Host(server).Interface, lab.Management);
            var answeredBy = ReplyMac().Matches(arping.Output).Select(m => m.Groups[1].Value).Distinct().ToArray();
            CollectionAssert.AreEqual(new[] { bridgeMac }, answeredBy, $"ARP for the management address from {server}:\n{arping}");
            // Forget it, so that the server asks again by itself to answer the next probe.
            Assert.AreEqual(0, lab.Exec(server, "ip", "neigh", "flush", "all").ExitCode);
        }
        Thread.Sleep(500);
        foreach (var server in servers)
        {
            var neighbour = lab.Exec(server, "ip", "neigh", "show", lab.Management).Output;
            StringAssert.Contains(neighbour, $"lladdr {bridgeMac} ", $"{server} must send its probe replies to the bridge, through the switch");
        }
    }

    [TestMethod]
    public void TheLabIsBuiltAsItsPlanSays()
    {
        using var lab = Host.NewLab(servers: 3);
        var plan = lab.Plan;
        CollectionAssert.AreEqual(new[] { "master", "slave", "spare", "client" }, plan.Hosts.Select(h => h.Role).ToArray());
        Assert.AreEqual(plan.Controller, Sh.Check("ovs-vsctl", "get-controller", plan.Bridge).Trim());
        StringAssert.Contains(Sh.Check("ip", "-o", "link", "show", "dev", plan.Bridge), $"link/ether {plan.ManagementMac} ");
        StringAssert.Contains(Sh.Check("ip", "-4", "-o", "addr", "show", "dev", plan.Bridge), $" {plan.Management}/24 ");
        foreach (var host in plan.Hosts)
        {
            Assert.AreEqual(host.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Sh.Check("ovs-vsctl", "get", "interface", host.Veth, "ofport").Trim(), host.Role);
            StringAssert.Contains(Sh.Check("ip", "-n", host.Namespace, "-o", "link", "show", "dev", host.Interface), $"link/ether {host.Mac} ", host.Role);
            StringAssert.Contains(Sh.Check("ip", "-n", host.Namespace, "-4", "-o", "addr", "show", "dev", host.Interface), $" {host.Address}/24 ", host.Role);
            if (host.IsServer) Assert.IsTrue(File.Exists(host.AccessLog), $"{host.Role}: {host.AccessLog}");
        }
    }

    [TestMethod]
    public void AFirmwareThatNeverTakesTheSwitchFailsLoudly()
    {
        using var lab = Host.NewLab();
        // Nobody answers: attach says what it waited for, for how long, and the last error.
        var nobody = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/lab"), "attach", "--name", lab.Name, "--timeout", "1");
        Assert.AreEqual(1, nobody.ExitCode, nobody.ToString());
        StringAssert.Contains(nobody.Error, "was not ready within 1 s", nobody.ToString());
        StringAssert.Contains(nobody.Error, $"waited for: GET http://{lab.Plan.Api}/api/status to answer", nobody.ToString());
        StringAssert.Contains(nobody.Error, "last error: curl", nobody.ToString());

        // A firmware that exits is noticed at once, and its own last words are shown.
        var started = DateTime.UtcNow;
        var e = Assert.ThrowsExactly<LabException>(() => Firmware.StartOn(lab, lab.WriteConfig("mode=nast")));
        Assert.IsLessThan(20, (DateTime.UtcNow - started).TotalSeconds, "not the 30 s timeout");
        StringAssert.Contains(e.Message, "exited", e.Message);
        StringAssert.Contains(e.Message, "service.mode", e.Message);
    }

    [TestMethod]
    public void TheLabsConfigWatchesItsOwnServicesPassively()
    {
        using var lab = Host.NewLab();
        // The lab's nginx (TCP 80) and UDP echo (7); the other passive settings are the firmware's own unless given.
        var health = HealthLine(lab.WriteConfig());
        StringAssert.EndsWith(health, ", passive_ports: [80, 7] }", health);
        Assert.IsFalse(health.Contains("passive:", StringComparison.Ordinal), health);
        Assert.IsFalse(health.Contains("passive_refusals", StringComparison.Ordinal), health);
        Assert.IsFalse(health.Contains("passive_within", StringComparison.Ordinal), health);

        health = HealthLine(lab.WriteConfig("passive=off", "passive_ports=8080, 9", "passive_refusals=2", "passive_within=1.5s"));
        StringAssert.EndsWith(health, ", passive: off, passive_ports: [8080, 9], passive_refusals: 2, passive_within: 1.5s }", health);

        var refused = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/lab"), "config", "--name", lab.Name, "passive_ports=80,http");
        Assert.AreEqual(2, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Error, "passive_ports", refused.ToString());
    }

    private static string HealthLine(string config) =>
        File.ReadLines(config).Single(l => l.StartsWith("health: ", StringComparison.Ordinal));

    [GeneratedRegex(@"bytes from ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) ")]
    private static partial Regex ReplyMac();
}
