namespace Appliance.Policy.Tests;

/// <summary>The pair's shared settings compared with the peer's (docs/pair.md#settings): status, events on change only, the fault.</summary>
[TestClass]
public sealed class PairSettingsTests
{
    private static readonly PairSettingsStatus Same = new(PairSettingsState.Same, [], "");

    private static PairSettingsStatus Differ(params string[] keys) => new(PairSettingsState.Differ, keys, "");

    private static PairSettingsStatus Unknown(string why) => new(PairSettingsState.Unknown, [], why);

    private static Harness Box(VrrpState lan, VrrpState peer)
    {
        var h = new Harness();
        h.Send(t => new PairStarted(t, ["lan", "peer"], TimeSpan.FromSeconds(1)));
        h.Connect();
        h.Confirm();
        h.Advance(TimeSpan.FromSeconds(1));
        h.Send(t => new PairPathChanged(t, "lan", lan));
        h.Send(t => new PairPathChanged(t, "peer", peer));
        return h;
    }

    private static Harness ActiveBox() => Box(VrrpState.Master, VrrpState.Master);

    private static Harness StandbyBox() => Box(VrrpState.Backup, VrrpState.Backup);

    private static PolicyEvent[] Compare(Harness h, PairSettingsStatus settings) =>
        [.. h.Send(t => new PairSettingsCompared(t, settings)).Events.Where(e => e.Kind is EventKind.PairSettingsDiffer or EventKind.PairSettingsSame)];

    [TestMethod]
    public void UntilComparedTheSettingsAreUnknown() =>
        Assert.AreEqual(PairSettingsStatus.NotCompared, ActiveBox().State.Pair!.Settings);

    [TestMethod]
    public void TheOutcomeIsKeptAndEventsComeOnlyWhenItChanges()
    {
        var h = ActiveBox();

        Assert.IsEmpty(Compare(h, Same), "the boxes agreed from the start: nothing to tell");
        var differ = Compare(h, Differ("health.interval"));
        Assert.AreEqual(EventKind.PairSettingsDiffer, differ.Single().Kind);
        StringAssert.Contains(differ[0].Message, "health.interval");
        Assert.AreEqual(PairSettingsState.Differ, h.State.Pair!.Settings.State);
        CollectionAssert.AreEqual(new[] { "health.interval" }, h.State.Pair.Settings.Keys.ToArray());

        Assert.IsEmpty(Compare(h, Differ("health.interval")), "the same difference again");
        Assert.IsEmpty(Compare(h, Unknown("the peer did not answer within 2 s")), "a silent peer changes nothing told");
        Assert.AreEqual("the peer did not answer within 2 s", h.State.Pair!.Settings.Why);
        Assert.IsEmpty(Compare(h, Differ("health.interval")), "still the same difference");
        Assert.AreEqual(EventKind.PairSettingsDiffer, Compare(h, Differ("health.interval", "servers.1.address")).Single().Kind, "the keys changed");
        Assert.AreEqual(EventKind.PairSettingsSame, Compare(h, Same).Single().Kind);
        Assert.IsEmpty(Compare(h, Same));
    }

    [TestMethod]
    public void ADifferenceBlinksRedOnTheActiveBoxAndTheStandby()
    {
        var active = ActiveBox();
        Compare(active, Same);
        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off), active.Panel);
        Compare(active, Differ("service.vip"));
        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Blink), active.Panel);

        var standby = StandbyBox();
        Compare(standby, Same);
        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.Off, LedPattern.Off), standby.Panel);
        Compare(standby, Differ("service.vip"));
        Assert.AreEqual(new PanelView(LedPattern.Off, LedPattern.Off, LedPattern.Blink), standby.Panel);
    }

    [TestMethod]
    public void AnUnknownComparisonIsNoFault()
    {
        var h = ActiveBox();

        Compare(h, Unknown("the peer refused the token (401)"));

        Assert.AreEqual(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off), h.Panel);
    }

    [TestMethod]
    public void TheOutcomeOutlivesARoleChange()
    {
        var h = ActiveBox();
        Compare(h, Differ("failback"));

        h.Send(t => new PairPathChanged(t, "lan", VrrpState.Backup));
        h.Send(t => new PairPathChanged(t, "peer", VrrpState.Backup));

        Assert.AreEqual(PairRole.Standby, h.State.Pair!.Role);
        Assert.AreEqual(PairSettingsState.Differ, h.State.Pair.Settings.State);
    }

    [TestMethod]
    public void ABoxOnItsOwnIgnoresAComparison()
    {
        var h = new Harness();
        h.Connect();

        Assert.IsEmpty(Compare(h, Differ("service.vip")));
        Assert.IsNull(h.State.Pair);
    }

    [TestMethod]
    public void ANewPolicyAfterAnApplyKeepsWhatWasKnownSoTheEventsStayOnChange()
    {
        // A copy applied on the peer starts a new policy there: the difference it knew must not be forgotten,
        // or the boxes agreeing again would go untold.
        var h = new Harness();
        h.Send(t => new PairStarted(t, ["lan", "peer"], TimeSpan.FromSeconds(1), Settings: Differ("health.rise")));

        Assert.AreEqual(PairSettingsState.Differ, h.State.Pair!.Settings.State);
        Assert.AreEqual(EventKind.PairSettingsSame, Compare(h, Same).Single().Kind);

        var agreed = new Harness();
        agreed.Send(t => new PairStarted(t, ["lan", "peer"], TimeSpan.FromSeconds(1), Settings: Same));
        Assert.AreEqual(EventKind.PairSettingsDiffer, Compare(agreed, Differ("failback")).Single().Kind);
        Assert.IsEmpty(Compare(agreed, Differ("failback")));
    }
}
