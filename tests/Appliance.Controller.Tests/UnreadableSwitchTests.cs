namespace Appliance.Controller.Tests;

/// <summary>
/// A switch whose rules cannot be read back when it connects is never left unprogrammed behind a
/// status that looks fine: the read is tried again, and a switch that stays unreadable is emptied
/// and programmed anew.
/// </summary>
[TestClass]
public sealed class UnreadableSwitchTests
{
    [TestMethod]
    public async Task AReadThatFailsOnceIsTriedAgainOnTheHeartbeatAndTheSwitchIsAdopted()
    {
        await using var rig = new ControllerRig();
        rig.Switch.FailFlowReads(1);
        rig.Start();

        await rig.AdoptAsync();
        Assert.IsEmpty(rig.Switch.Batches, "nothing is sent to a switch that has not been read");
        Assert.IsFalse(rig.Controller.SwitchProgrammed.IsCompleted);

        await rig.AdvanceAsync(TimeSpan.FromSeconds(1));

        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
        Assert.IsTrue(rig.Controller.SwitchProgrammed.IsCompleted);
        Assert.AreEqual("master", rig.Status.Active);
    }

    [TestMethod]
    public async Task ASwitchThatCannotBeReadIsEmptiedAndProgrammedAnew()
    {
        await using var rig = new ControllerRig();
        // A rule put there by hand, which (in this story) the codec cannot decode.
        rig.Switch.AddForeignFlow(new FlowMod { TableId = 0, Priority = 5, Match = Match.Any, Cookie = 0xdead });
        rig.Switch.FailFlowReads(3);
        rig.Start();

        await rig.AdoptAsync();
        await rig.AdvanceAsync(TimeSpan.FromSeconds(3));

        rig.AssertSwitchHolds(rig.Expected(ControllerRig.BothMacs, "master", "slave"));
        Assert.IsTrue(rig.Controller.SwitchProgrammed.IsCompleted);
        Assert.AreEqual("master", rig.Status.Active);
        var first = rig.Switch.Batches[0].Messages;
        Assert.IsTrue(first[0] is FlowMod { TableId: OfpTable.All, Command: OfpFlowModCommand.Delete }, "the first batch empties the switch");
        Assert.IsTrue(first[1] is GroupMod { GroupId: OfpGroup.All, Command: OfpGroupModCommand.Delete });
    }

    [TestMethod]
    public async Task AfterReplacingAnUnreadableSwitchTheNextChangeIsADiffAgain()
    {
        await using var rig = new ControllerRig();
        rig.Switch.FailFlowReads(3);
        rig.Start();
        await rig.AdoptAsync();
        await rig.AdvanceAsync(TimeSpan.FromSeconds(3));
        var batches = rig.Switch.Batches.Count;

        rig.Probes("master", healthy: false, 3);
        await rig.FlushAsync();

        var change = rig.Switch.Batches.Skip(batches).Single();
        Assert.IsFalse(change.Messages.Any(m => m is FlowMod { TableId: OfpTable.All }), "no second emptying");
        CollectionAssert.AreEqual(new uint[] { 2 }, rig.BucketPorts);
    }
}
