using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>
/// The product's main job on a real switch (issue: failover data plane end to end): clients use the
/// VIP, the master serves it, and the switch moves it to the slave when the master's link dies.
/// Every test builds its own lab with tools/lab and runs the real firmware process.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class DataPlaneTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    [TestMethod]
    [DataRow("nat")]
    [DataRow("dsr")]
    public void PingHttpAndUdpReachTheMasterThroughTheVip(string mode)
    {
        using var lab = Host.NewLab(dsr: mode == "dsr");
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig($"mode={mode}", "probe=link", "macs=yes"));
        lab.WaitServing("master", Settle);

        var ping = lab.Exec("client", "ping", "-c", "3", "-i", "0.2", "-W", "1", lab.Vip);
        Assert.AreEqual(0, ping.ExitCode, ping.ToString());
        StringAssert.Contains(ping.Output, "3 received");

        var udp = lab.StartUdpStream(TimeSpan.FromSeconds(1), rate: 200).ResultAsync().GetAwaiter().GetResult();
        Assert.AreEqual(0, udp.GetProperty("lost").GetInt32(), udp.ToString());
        Assert.AreEqual("master", OnlyServer(udp));

        // NAT: the server sees the client's own address; DSR: the same, and answers from the VIP itself.
        var access = File.ReadAllText(lab.AccessLogOf("master"));
        StringAssert.Contains(access, lab.AddressOf("client"), "the server sees the client's real address");
    }

    [TestMethod]
    public void ArpForTheVipIsAnsweredByTheSwitchAlsoWhileTheFirmwareIsStopped()
    {
        using var lab = Host.NewLab();
        using (var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=link", "macs=yes")))
        {
            lab.WaitServing("master", Settle);
            AssertArpAnswer(lab);
            Assert.AreEqual(0, firmware.Terminate(), "SIGTERM is a clean exit");
        }
        // No firmware now: the switch keeps answering and serving.
        AssertArpAnswer(lab);
        Assert.AreEqual("master", lab.ServingServer());
    }

    private static void AssertArpAnswer(Lab lab)
    {
        var arping = lab.Exec("client", "arping", "-c", "2", "-w", "3", "-I", "eth0", lab.Vip);
        Assert.AreEqual(0, arping.ExitCode, arping.ToString());
        StringAssert.Contains(arping.Output.ToLowerInvariant(), lab.Vmac, arping.ToString());
    }

    [TestMethod]
    public void LinkDownFailsOverAndWithTheLinkProbeLinkUpFailsBack()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=link", "macs=yes"));
        lab.WaitServing("master", Settle);
        lab.Fault("link-down", "master");
        lab.WaitServing("slave", TimeSpan.FromSeconds(2));
        firmware.WaitForEvent("failover from master to slave", Settle);
        lab.Fault("link-up", "master");
        lab.WaitServing("master", TimeSpan.FromSeconds(2));
        firmware.WaitForEvent("failback to master", Settle);
    }

    [TestMethod]
    public void ThreeServersFailOverInPriorityOrder()
    {
        using var lab = Host.NewLab(servers: 3);
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=link", "macs=yes"));
        lab.WaitServing("master", Settle);
        lab.Fault("link-down", "master");
        lab.WaitServing("slave", TimeSpan.FromSeconds(2));
        lab.Fault("link-down", "slave");
        lab.WaitServing("spare", TimeSpan.FromSeconds(2));
        lab.Fault("link-up", "slave");
        lab.WaitServing("slave", TimeSpan.FromSeconds(2));
    }

    [TestMethod]
    public void TheManagementAddressReachesEveryServersRealAddress()
    {
        using var lab = Host.NewLab(servers: 3);
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=link", "macs=yes"));
        lab.WaitServing("master", Settle);
        foreach (var server in new[] { "master", "slave", "spare" })
        {
            // The management address lives on the bridge in this (root) namespace, as on the box.
            var page = Sh.Run("curl", "-s", "-m", "2", "--interface", lab.Management, $"http://{lab.AddressOf(server)}/");
            StringAssert.Contains(page.Output, $"<h1>{server}</h1>", page.ToString());
        }
        // Clients reach the real addresses too, untranslated.
        StringAssert.Contains(lab.Exec("client", "curl", "-s", "-m", "2", $"http://{lab.AddressOf("slave")}/").Output, "<h1>slave</h1>");
    }

    [TestMethod]
    public async Task AFirmwareKilledAndRestartedDuringA1kHzStreamLosesNothing()
    {
        using var lab = Host.NewLab();
        var config = lab.WriteConfig("probe=link", "macs=yes");
        var firmware = Firmware.StartOn(lab, config);
        try
        {
            lab.WaitServing("master", Settle);
            var stream = lab.StartUdpStream(TimeSpan.FromSeconds(6));
            await Task.Delay(1500);
            firmware.Kill9();
            await Task.Delay(1500);
            firmware.Dispose();
            firmware = Firmware.StartOn(lab, config);
            firmware.WaitForEvent("master is serving, as before the restart", Settle);
            var result = await stream.ResultAsync();
            Assert.AreEqual(0, result.GetProperty("lost").GetInt32(), result.ToString());
            // On a loaded 2-core machine the sender may fall a little behind 1 kHz; what counts is that nothing sent was lost.
            Assert.IsGreaterThan(5000, result.GetProperty("sent").GetInt32(), result.ToString());
            Assert.DoesNotContain("programmed", firmware.Log, "the restarted firmware found the switch right and changed nothing");
        }
        finally
        {
            firmware.Dispose();
        }
    }

    [TestMethod]
    public void BadConfigsExitWithTwoNamingTheLineAndKey()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():n}.yml");
        File.WriteAllText(path, "service:\n  vip: 198.18.0.100\n  mode: nast\nservers:\n  - { name: master, address: 198.18.0.1, port: 1 }\n");
        try
        {
            foreach (var verb in new[] { "check", "run" })
            {
                var result = Firmware.Run(verb, "--config", path);
                Assert.AreEqual(2, result.ExitCode, result.ToString());
                StringAssert.Contains(result.Error, $"{path}:3:9: service.mode:", result.ToString());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string OnlyServer(JsonElement stream)
    {
        var servers = stream.GetProperty("servers").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.HasCount(1, servers, stream.ToString());
        return servers[0];
    }
}
