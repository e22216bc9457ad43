namespace Appliance.Controller.Tests;

/// <summary>
/// What the status shows of a pair is the policy's latest, also when the input changed nothing else: in the pair lab two
/// boxes whose settings agreed showed "the peer did not answer within 2 s" for ever, the first comparison's outcome (made
/// before the peer's API was up), because an agreement from the start is no event and changes no rule.
/// </summary>
[TestClass]
public sealed class PairStatusTests
{
    [TestMethod]
    public async Task EachSettingsComparisonIsShownAlthoughItChangesNoRuleAndTellsNoEvent()
    {
        await using var rig = new ControllerRig();
        rig.Start();
        rig.Controller.StartPair(["lan", "peer"], TimeSpan.FromSeconds(1), wasActive: false);
        await rig.AdoptAsync();
        rig.Controller.ReportPairPath("lan", VrrpState.Backup);
        await rig.FlushAsync();

        rig.Controller.ReportPairSettings(new PairSettingsStatus(PairSettingsState.Unknown, [], "the peer did not answer within 2 s"));
        await rig.FlushAsync();
        Assert.AreEqual("the peer did not answer within 2 s", rig.Status.Pair!.Settings.Why);

        rig.Controller.ReportPairSettings(new PairSettingsStatus(PairSettingsState.Same, [], ""));
        await rig.FlushAsync();
        Assert.AreEqual(PairSettingsState.Same, rig.Status.Pair!.Settings.State, "the peer answered and agrees");

        rig.Controller.ReportPairSettings(new PairSettingsStatus(PairSettingsState.Unknown, [], "the peer cannot be reached"));
        await rig.FlushAsync();
        Assert.AreEqual("the peer cannot be reached", rig.Status.Pair!.Settings.Why);
    }
}
