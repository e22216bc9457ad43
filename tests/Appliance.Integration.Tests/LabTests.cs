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
        var bridgeMac = Lab.MacOf(lab.Management);
        string[] servers = ["master", "slave"];
        foreach (var server in servers)
        {
            // Every answer counts: the bridge's must be the only one.
            var arping = lab.Exec(server, "arping", "-c", "2", "-w", "3", "-I", "eth0", lab.Management);
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

    [GeneratedRegex(@"bytes from ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) ")]
    private static partial Regex ReplyMac();
}
