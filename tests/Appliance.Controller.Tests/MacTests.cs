using System.Collections.Concurrent;
using System.Net;

namespace Appliance.Controller.Tests;

/// <summary>
/// Learned server MACs follow a replaced NIC (periodic ARP, gratuitous ARP), keep their last value
/// while a server is silent, never take what belongs to another, and configured MACs never change.
/// The management port's MAC is bound in the guard and followed when its interface is made anew.
/// </summary>
[TestClass]
public sealed class MacTests
{
    private static readonly MacAddress NewNic = MacAddress.Parse("02:00:c6:12:01:01");
    private static readonly MacAddress ManagementMac = MacAddress.Parse("02:00:c6:12:00:06");
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(2);

    [TestMethod]
    public async Task ALearnedMacThatChangesIsFollowedWithinTheRefreshAndShownAsAnEvent()
    {
        await using var rig = new ControllerRig(configuredMacs: []);
        var arp = new ScriptedArp(ControllerRig.BothMacs);
        rig.Start(arp.Resolve);
        await rig.AdoptAsync();
        await rig.StatusWhenAsync(s => s.Servers.All(v => v.Mac != "unknown"), "both MACs");
        await rig.FlushAsync();

        arp.Answers["master"] = NewNic;
        var changedAt = await AdvanceUntilAsync(rig, () => rig.Status.Servers[0].Mac == NewNic.ToString(), "the master's new MAC");
        await rig.FlushAsync();

        Assert.IsLessThanOrEqualTo(Refresh, changedAt, "followed within one refresh");

        var macs = new Dictionary<string, MacAddress> { ["master"] = NewNic, ["slave"] = ControllerRig.SlaveMac };
        rig.AssertSwitchHolds(rig.Expected(macs, "master", "slave"));
        var changed = rig.Controller.Events.Snapshot().Single(e => e.Kind == EventKind.MacChanged);
        Assert.AreEqual("master", changed.Server);
        Assert.AreEqual($"master's MAC changed from {ControllerRig.MasterMac} to {NewNic}", changed.Message);
    }

    [TestMethod]
    public async Task AGratuitousArpFromTheServerIsFollowedAtOnce()
    {
        await using var rig = new ControllerRig(configuredMacs: ["slave"]);
        rig.Start(AnswersOnce(ControllerRig.MasterMac));
        await rig.AdoptAsync();
        await rig.StatusWhenAsync(s => s.Servers[0].Mac == ControllerRig.MasterMac.ToString(), "the master's MAC");

        rig.Controller.ReportArp(IPAddress.Parse("198.18.0.1"), NewNic);
        await rig.FlushAsync();

        Assert.AreEqual(NewNic.ToString(), rig.Server("master").Mac, "no clock moved: the announcement alone did it");
        Assert.AreEqual("apply_actions(set_field:02:00:c6:12:01:01->eth_dst,output:1)", rig.Switch.Flows.Single(f => f.Cookie == Cookies.Of(RuleKind.Deliver, 1)).Instructions.ToString());
        Assert.AreEqual(1, rig.Controller.Events.Snapshot().Count(e => e.Kind == EventKind.MacChanged));
    }

    [TestMethod]
    public async Task AServerThatStopsAnsweringKeepsItsLastMac()
    {
        await using var rig = new ControllerRig(configuredMacs: []);
        var arp = new ScriptedArp(ControllerRig.BothMacs);
        rig.Start(arp.Resolve);
        await rig.AdoptAsync();
        await rig.StatusWhenAsync(s => s.Servers.All(v => v.Mac != "unknown"), "both MACs");
        var programmed = rig.Switch.Batches.Count;

        arp.Answers["master"] = null;
        // Two whole rounds of questions after the master fell silent.
        var asked = arp.Asked("master");
        await AdvanceUntilAsync(rig, () => arp.Asked("master") >= asked + 2, "two more questions");
        await rig.FlushAsync();

        Assert.AreEqual(ControllerRig.MasterMac.ToString(), rig.Server("master").Mac);
        Assert.AreEqual(programmed, rig.Switch.Batches.Count, "nothing to change");
        Assert.IsFalse(rig.Controller.Events.Snapshot().Any(e => e.Kind == EventKind.MacChanged));
    }

    [TestMethod]
    public async Task AConfiguredMacNeverChangesAndIsNeverAskedFor()
    {
        await using var rig = new ControllerRig(configuredMacs: ["master", "slave"]);
        var arp = new ScriptedArp(ControllerRig.BothMacs);
        rig.Start(arp.Resolve);
        await rig.AdoptAsync();

        rig.Controller.ReportArp(IPAddress.Parse("198.18.0.1"), NewNic);
        await rig.AdvanceAsync(Refresh * 2);
        await rig.FlushAsync();

        Assert.AreEqual(0, arp.Asked("master") + arp.Asked("slave"));
        Assert.AreEqual(ControllerRig.MasterMac.ToString(), rig.Server("master").Mac);
        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
    }

    [TestMethod]
    public async Task AMacThatBelongsToAnotherIsRefused()
    {
        await using var rig = new ControllerRig(configuredMacs: ["slave"]) { ManagementMac = ManagementMac };
        rig.Start(AnswersOnce(ControllerRig.MasterMac));
        await rig.AdoptAsync();
        await rig.StatusWhenAsync(s => s.Servers[0].Mac == ControllerRig.MasterMac.ToString(), "the master's MAC");
        await rig.FlushAsync();
        var held = rig.Switch.Flows;

        foreach (var taken in new[] { ControllerRig.SlaveMac, ManagementMac, rig.Config.Service.Vmac, MacAddress.Broadcast, MacAddress.Zero })
        {
            rig.Controller.ReportArp(IPAddress.Parse("198.18.0.1"), taken);
            await rig.FlushAsync();
            Assert.AreEqual(ControllerRig.MasterMac.ToString(), rig.Server("master").Mac, taken.ToString());
        }
        CollectionAssert.AreEquivalent(held.ToArray(), rig.Switch.Flows.ToArray());
    }

    [TestMethod]
    public async Task TheManagementMacIsBoundInTheGuardAndFollowedWhenItChanges()
    {
        await using var rig = new ControllerRig { ManagementMac = ManagementMac };
        rig.Start();
        await rig.AdoptAsync();

        var expected = new RuleBuilder(rig.Config).Build(new DesiredSwitchState(["master", "slave"], "master"), ControllerRig.BothMacs, ManagementMac);
        rig.AssertSwitchHolds(expected);
        Assert.IsTrue(rig.Switch.Flows.Any(f => f.Cookie == Cookies.Of(RuleKind.MacGuard, 0xfe)));

        // ovs-vswitchd made the internal port anew, with another MAC.
        var renewed = MacAddress.Parse("02:00:c6:12:00:07");
        rig.ManagementMac = renewed;
        await AdvanceUntilAsync(rig, () => rig.Switch.Flows.Any(f => f.Match.TryGet(OxmFieldId.EthSrc, out var mac) && mac.AsMac == renewed), "the new management MAC in the guard");
        await rig.FlushAsync();

        rig.AssertSwitchHolds(new RuleBuilder(rig.Config).Build(new DesiredSwitchState(["master", "slave"], "master"), ControllerRig.BothMacs, renewed));
    }

    /// <summary>
    /// Moves the clock on a second at a time until the condition holds; returns how far it moved.
    /// The MAC watch runs beside the loop and arms its next wait whenever its round ends, so no
    /// single advance can be known to reach it.
    /// </summary>
    [TestMethod]
    public async Task AServerPortThatAlternatesMacsAtWireRateChangesTheMacOncePerSecondAtMost()
    {
        await using var rig = new ControllerRig(configuredMacs: ["slave"]);
        rig.Start(AnswersOnce(ControllerRig.MasterMac));
        await rig.AdoptAsync();
        await rig.StatusWhenAsync(s => s.Servers[0].Mac == ControllerRig.MasterMac.ToString(), "the master's MAC");

        for (var i = 0; i < 200; i++) rig.Controller.ReportArp(IPAddress.Parse("198.18.0.1"), i % 2 == 0 ? NewNic : ControllerRig.MasterMac);
        await rig.FlushAsync();

        Assert.AreEqual(1, rig.Controller.Events.Snapshot().Count(e => e.Kind == EventKind.MacChanged), "one change, not a journal flood");
        var batches = rig.Switch.Batches.Count;
        await rig.AdvanceAsync(TimeSpan.FromSeconds(1));
        rig.Controller.ReportArp(IPAddress.Parse("198.18.0.1"), ControllerRig.MasterMac);
        await rig.FlushAsync();
        Assert.AreEqual(ControllerRig.MasterMac.ToString(), rig.Server("master").Mac, "a second later a change is followed again");
        Assert.AreEqual(batches + 1, rig.Switch.Batches.Count);
    }

    [TestMethod]
    public async Task AnArpResolverThatThrowsDoesNotEndTheMacWatch()
    {
        await using var rig = new ControllerRig(configuredMacs: []);
        var calls = 0;
        // The management port made anew under the resolver: its socket is disposed while a request goes out.
        Task<MacAddress?> Resolve(ServerConfig server, CancellationToken stop) =>
            Interlocked.Increment(ref calls) <= 2
                ? Task.FromException<MacAddress?>(new ObjectDisposedException("Socket"))
                : Task.FromResult<MacAddress?>(ControllerRig.BothMacs[server.Name]);
        rig.Start(Resolve);
        await rig.AdoptAsync();

        await AdvanceUntilAsync(rig, () => rig.Status.Servers.All(v => v.Mac != "unknown"), "both MACs learned on the next try");
        await rig.FlushAsync();

        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
    }

    private static async Task<TimeSpan> AdvanceUntilAsync(ControllerRig rig, Func<bool> condition, string what)
    {
        var start = rig.Controller.Now;
        var deadline = DateTime.UtcNow + ControllerRig.Guard;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new AssertFailedException($"never saw {what}");
            await rig.AdvanceAsync(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        return rig.Controller.Now - start;
    }

    /// <summary>
    /// ARP that answers the first question only: no later answer, made before the test's own
    /// report but handed to the loop after it, can undo what the test reports.
    /// </summary>
    internal static Func<ServerConfig, CancellationToken, Task<MacAddress?>> AnswersOnce(MacAddress mac)
    {
        var asked = 0;
        return (server, cancellation) => Task.FromResult<MacAddress?>(Interlocked.Increment(ref asked) == 1 ? mac : null);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + ControllerRig.Guard;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new AssertFailedException($"never saw {what}");
            await Task.Delay(5);
        }
    }

    /// <summary>ARP as the servers answer it now: answers can be changed or silenced; every question is counted.</summary>
    private sealed class ScriptedArp(IReadOnlyDictionary<string, MacAddress> initial)
    {
        private readonly ConcurrentDictionary<string, int> _asked = new();

        public ConcurrentDictionary<string, MacAddress?> Answers { get; } = new(initial.ToDictionary(p => p.Key, p => (MacAddress?)p.Value));

        public int Asked(string server) => _asked.GetValueOrDefault(server);


        /// <summary>Completes once the server has been asked for the <paramref name="round"/>th time.</summary>
        public Task<MacAddress?> Resolve(ServerConfig server, CancellationToken cancellation)
        {
            _asked.AddOrUpdate(server.Name, 1, (_, n) => n + 1);
            return Task.FromResult(Answers.GetValueOrDefault(server.Name));
        }
    }
}
