namespace Appliance.Integration.Tests;

/// <summary>
/// An Open vSwitch restart is the switch's doing, not the servers' (issue 12, item 10): the probes
/// that cross the switch fail meanwhile, and none of that may mark a server down or count towards
/// flapping. Restarts the machine's ovs-vswitchd: run it on a lab machine only.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class SwitchRestartOnOvsTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AnOvsRestartMarksNoServerDownAndItsOutageIsMeasured()
    {
        using var lab = Host.NewLab(servers: 3);
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http"));
        lab.WaitServing("master", Settle);
        firmware.WaitForOutput("probes started for 3 servers", Settle);
        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(12));
        await Task.Delay(TimeSpan.FromSeconds(2));

        var ovsRestart = Ovs.RestartSwitchKeepingFlows();
        firmware.WaitForEvent("switch connected", TimeSpan.FromSeconds(20), occurrences: 2);
        var result = await stream.ResultAsync();

        var gap = result.GetProperty("longest_gap").GetProperty("ms").GetDouble();
        TestContext.WriteLine($"ovs-ctl restart (flows kept) took {ovsRestart.TotalMilliseconds:0} ms; the VIP was silent for {gap:0.0} ms at most, "
            + $"{result.GetProperty("lost").GetInt32()} of {result.GetProperty("sent").GetInt32()} datagrams lost");
        TestContext.WriteLine(firmware.Log);
        StringAssert.DoesNotMatch(firmware.Log, new System.Text.RegularExpressions.Regex(@"\b(master|slave|spare) down: "), "no server was marked down");
        Assert.DoesNotContain("held out", firmware.Log, "no hold-down");
        // A port the restarted switch has not re-added yet may move service for a moment (a failover
        // with "link down"): that is the switch's state, and the master is back as soon as the port is.
        lab.WaitServing("master", Settle);
    }
}
