namespace Appliance.Controller.Tests;

/// <summary>The guard's drop counters reach the metrics: read beside the loop, totals that only grow.</summary>
[TestClass]
public sealed class GuardCounterTests
{
    private static readonly TimeSpan ReadInterval = TimeSpan.FromSeconds(5);

    [TestMethod]
    public async Task DropsAreReadEveryFewSecondsAndKeptWhenARuleIsReplaced()
    {
        await using var rig = new ControllerRig(configuredMacs: ["slave"]);
        var masterMac = ControllerRig.MasterMac;
        var newNic = MacAddress.Parse("02:00:c6:12:01:01");
        rig.Start(MacTests.AnswersOnce(masterMac));
        await rig.AdoptAsync();
        await rig.StatusWhenAsync(s => s.Servers[0].Mac == masterMac.ToString(), "the master's MAC");
        await rig.FlushAsync();
        Assert.IsEmpty(rig.Controller.Guards.All, "nothing read yet");

        // An office host spoofs the master's MAC 7 times and claims the VIP by ARP 3 times.
        rig.Switch.CountPackets(f => f.Cookie == Cookies.Of(RuleKind.MacGuard, 1), 7);
        rig.Switch.CountPackets(f => f.Cookie == Cookies.Of(RuleKind.ArpGuard, Cookies.Nobody), 3);
        await rig.AdvanceAsync(ReadInterval);
        await MacTests.WaitUntilAsync(() => rig.Controller.Guards.All.Count > 0, "the guard's counters");

        Assert.AreEqual(7UL, Count(rig, "mac", "master"));
        Assert.AreEqual(3UL, Count(rig, "arp", "vip"));
        Assert.AreEqual(0UL, Count(rig, "ipv4", "management"), "every drop rule is listed, counted or not");
        Assert.AreEqual(7UL, rig.Controller.Guards.Total("mac"));

        // The master's NIC is replaced: its MAC's rules are new and count from zero; what was dropped stays counted.
        rig.Controller.ReportArp(System.Net.IPAddress.Parse("198.18.0.1"), newNic);
        await rig.FlushAsync();
        Assert.AreEqual(newNic.ToString(), rig.Server("master").Mac);
        rig.Switch.CountPackets(f => f.Cookie == Cookies.Of(RuleKind.MacGuard, 1), 2);
        rig.Switch.CountPackets(f => f.Cookie == Cookies.Of(RuleKind.ArpGuard, Cookies.Nobody), 1);
        await rig.AdvanceAsync(ReadInterval);
        await MacTests.WaitUntilAsync(() => Count(rig, "arp", "vip") == 4, "the next reading");

        Assert.AreEqual(9UL, Count(rig, "mac", "master"));
        Assert.IsTrue(rig.Switch.Reads.Count(r => r.Type == OfpMultipartType.Flow) >= 3, "the adoption's read and two of the guard's");
    }

    [TestMethod]
    public async Task TheLoopKeepsAnsweringWhileTheGuardsReadWaitsForTheSwitch()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        await rig.AdoptAsync();
        rig.Switch.Stall();

        await rig.AdvanceAsync(ReadInterval);
        await rig.Switch.RequestHeld.WaitAsync(ControllerRig.Guard);
        Assert.AreEqual(OfpMultipartType.Flow, rig.Switch.Reads[^1].Type, "the guard's read waits for the switch");

        var outcome = await rig.Controller.PressAsync(PressKind.Short, "test").WaitAsync(ControllerRig.Guard);
        Assert.IsFalse(outcome.Accepted, "answered (the master already serves) while the read is outstanding");
        rig.Switch.Resume();
    }

    private static ulong Count(ControllerRig rig, string guard, string owner) =>
        rig.Controller.Guards.All.SingleOrDefault(c => c.Guard == guard && c.Owner == owner)?.Dropped ?? throw new AssertFailedException($"no {guard}/{owner} series");
}
