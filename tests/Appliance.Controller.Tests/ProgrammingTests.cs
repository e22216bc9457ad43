namespace Appliance.Controller.Tests;

/// <summary>How the controller keeps the switch programmed: refusals, learned MACs.</summary>
[TestClass]
public sealed class ProgrammingTests
{
    private static readonly ulong ReplyFromVip = Cookies.Of(RuleKind.ReplyFromVip);

    [TestMethod]
    public async Task AMessageRefusedMidBatchIsReadBackAndRepairedByTheNextChange()
    {
        await using var rig = new ControllerRig(passive: "off");
        rig.Switch.Refuse(m => m is FlowMod { Cookie: var cookie } && cookie == ReplyFromVip, OfpErrorCode.Of(OfpFlowModFailedCode.TableFull));
        rig.Start();

        var channel = await rig.AdoptAsync();

        var expected = rig.Expected(ControllerRig.BothMacs, "master", "slave");
        var refusedAt = rig.Switch.Batches.Single().Messages.ToList().FindIndex(m => m is FlowMod { Cookie: var cookie } && cookie == ReplyFromVip);
        Assert.IsTrue(refusedAt > 0 && refusedAt < expected.Flows.Count, "the refused message is in the middle of the batch");
        rig.AssertSwitchHolds(expected with { Flows = [.. expected.Flows.Where(f => f.Cookie != ReplyFromVip)] });
        Assert.AreEqual("Flow, GroupDesc, MeterConfig, Flow, GroupDesc, MeterConfig", string.Join(", ", rig.Switch.Reads.Where(r => r.Channel == channel.Id).Select(r => r.Type)), "read again after the refusal");

        rig.Switch.StopRefusing();
        rig.Probes("master", healthy: false, 3);
        await rig.FlushAsync();

        var repair = rig.BatchesOn(channel)[^1].Messages;
        Assert.HasCount(3, repair, "the failover (new connections, and the slave's pinned connections no longer fall back to the master) and the missing rule, nothing else");
        Assert.AreEqual(2, repair.Count(m => m is GroupMod { Command: OfpGroupModCommand.Modify }));
        Assert.IsTrue(repair.Any(m => m is FlowMod { Command: OfpFlowModCommand.Add, Cookie: var cookie } && cookie == ReplyFromVip));
        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "slave"));
    }

    [TestMethod]
    public async Task AServerWithoutAConfiguredMacGetsItsRulesOnceArpAnswers()
    {
        await using var rig = new ControllerRig(configuredMacs: ["master"], passive: "off");
        var slaveMac = new TaskCompletionSource<MacAddress?>();
        var asked = new List<string>();
        rig.Start((server, cancellation) =>
        {
            lock (asked) asked.Add(server.Name);
            return slaveMac.Task.WaitAsync(cancellation);
        });

        await rig.AdoptAsync();

        CollectionAssert.AreEqual(new[] { "slave" }, asked, "only the server without a MAC is asked for");
        Assert.AreEqual("unknown", rig.Server("slave").Mac);
        var masterOnly = new Dictionary<string, MacAddress> { ["master"] = ControllerRig.MasterMac };
        rig.AssertSwitchHolds(rig.Expected(masterOnly, "master", "slave"));
        Assert.IsTrue(rig.Controller.SwitchProgrammed.IsCompleted);
        Assert.IsFalse(rig.Controller.ServersReachable.IsCompleted);

        slaveMac.SetResult(ControllerRig.SlaveMac);
        await rig.StatusWhenAsync(s => s.Servers[1].Mac == ControllerRig.SlaveMac.ToString(), "the slave's MAC");
        await rig.FlushAsync();

        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
        var learned = rig.Switch.Batches[^1].Messages;
        Assert.HasCount(7, learned, "the slave's buckets (new connections, master's pinned fallback, its own pinned group), its delivery rule, its MAC bound to its port (pass and drop), the box's path to it");
        Assert.AreEqual(3, learned.Count(m => m is GroupMod { Command: OfpGroupModCommand.Modify }));
        foreach (var kind in new[] { RuleKind.Deliver, RuleKind.GuardPass, RuleKind.MacGuard, RuleKind.ManagementPath })
        {
            Assert.IsTrue(learned.Any(m => m is FlowMod { Command: OfpFlowModCommand.Add, Cookie: var cookie } && cookie == Cookies.Of(kind, 2)), kind.ToString());
        }
        await rig.Controller.ServersReachable.WaitAsync(ControllerRig.Guard);
    }
}
