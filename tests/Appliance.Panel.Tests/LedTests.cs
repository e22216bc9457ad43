namespace Appliance.Panel.Tests;

[TestClass]
public sealed class LedTests
{
    private static readonly LedPattern[] Patterns = [LedPattern.Off, LedPattern.On, LedPattern.Blink];

    public static IEnumerable<object[]> EveryView =>
        from m in Patterns from s in Patterns from f in Patterns select new object[] { m, s, f };

    /// <summary>Blinking is 250 ms on, 250 ms off, starting lit; steady LEDs hold still.</summary>
    private static bool Expected(LedPattern pattern, double msSinceShow) => pattern switch
    {
        LedPattern.On => true,
        LedPattern.Blink => (int)(msSinceShow / 250) % 2 == 0,
        _ => false,
    };

    [TestMethod]
    [DynamicData(nameof(EveryView))]
    public void EachViewLightsTheRightLedsWithTheRightPattern(LedPattern master, LedPattern slave, LedPattern fault)
    {
        using var rig = new Rig();
        rig.Panel.Show(new PanelView(master, slave, fault));
        // Sample every 5 ms for two seconds, away from the switching instants themselves.
        for (var ms = 0.0; ms < 2000; ms += 5)
        {
            var at = ms + 2;
            rig.AdvanceMs(ms == 0 ? 2 : 5);
            var expected = new PanelLeds(Expected(master, at), Expected(slave, at), Expected(fault, at));
            Assert.AreEqual(expected, rig.Leds, $"at {at} ms after showing {master}/{slave}/{fault}");
            Assert.AreEqual(expected, rig.Panel.Snapshot.Leds, "the snapshot says what the board shows");
        }
    }

    [TestMethod]
    public void SteadyChangesAreImmediateAndANewBlinkStartsLit()
    {
        using var rig = new Rig();
        rig.Panel.Show(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off));
        Assert.AreEqual(new PanelLeds(true, false, false), rig.Leds, "no time has passed");
        rig.AdvanceMs(1234);
        rig.Panel.Show(new PanelView(LedPattern.Off, LedPattern.On, LedPattern.Blink));
        Assert.AreEqual(new PanelLeds(false, true, true), rig.Leds, "the change shows without waiting for a timer");
    }

    [TestMethod]
    public void BlinkingLedsAreInPhaseEvenWhenOneStartsLater()
    {
        using var rig = new Rig();
        rig.Panel.Show(new PanelView(LedPattern.Blink, LedPattern.On, LedPattern.Off));
        rig.AdvanceMs(100);
        rig.Panel.Show(new PanelView(LedPattern.Blink, LedPattern.On, LedPattern.Blink));
        for (var i = 0; i < 200; i++)
        {
            Assert.AreEqual(rig.Leds.Master, rig.Leds.Fault, $"step {i}");
            rig.AdvanceMs(7);
        }
    }

    [TestMethod]
    public void OneTimerDrivesEveryLed()
    {
        using var rig = new Rig();
        var afterStart = rig.Time.TimersCreated;
        rig.Panel.Show(new PanelView(LedPattern.Blink, LedPattern.Blink, LedPattern.Blink));
        rig.AdvanceMs(3000);
        rig.Panel.SignalRefused();
        rig.AdvanceMs(1000);
        rig.Panel.Show(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Blink));
        rig.AdvanceMs(3000);
        Assert.AreEqual(3, afterStart, "one for the LEDs, two for the button (debounce, hold)");
        Assert.AreEqual(afterStart, rig.Time.TimersCreated, "blinking makes no timers");
    }

    [TestMethod]
    public void LampTestLightsEverythingThenShowsTheView()
    {
        using var rig = new Rig(skipLampTest: false);
        Assert.AreEqual(PanelLeds.All, rig.Leds, "at start-up");
        rig.Panel.Show(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off));
        rig.AdvanceMs(299);
        Assert.AreEqual(PanelLeds.All, rig.Leds, "the lamp test runs its course");
        rig.AdvanceMs(1);
        Assert.AreEqual(new PanelLeds(true, false, false), rig.Leds, "then the view");
    }

    [TestMethod]
    public void RefusedRequestBlinksRedThreeTimesThenShowsTheViewAgain()
    {
        using var rig = new Rig();
        rig.Panel.Show(new PanelView(LedPattern.Off, LedPattern.On, LedPattern.Blink));
        rig.AdvanceMs(300); // blinking fault LED is in its off half
        Assert.IsFalse(rig.Leds.Fault);
        rig.Panel.SignalRefused();
        var fault = new List<bool>();
        for (var ms = 0; ms < 720; ms += 10)
        {
            fault.Add(rig.Leds.Fault);
            Assert.IsTrue(rig.Leds.Slave, "the other LEDs keep the view");
            Assert.IsTrue(rig.Panel.Snapshot.Refusing);
            rig.AdvanceMs(10);
        }
        // 3 x (120 ms on, 120 ms off), sampled every 10 ms.
        var expected = Enumerable.Range(0, 72).Select(i => i * 10 / 120 % 2 == 0).ToList();
        CollectionAssert.AreEqual(expected, fault);
        Assert.IsFalse(rig.Panel.Snapshot.Refusing);
        // Back to the view's blink, in the phase it kept all along (shown 1020 ms ago).
        Assert.AreEqual((300 + 720) / 250 % 2 == 0, rig.Leds.Fault);
        rig.AdvanceMs(250);
        Assert.AreEqual((300 + 720 + 250) / 250 % 2 == 0, rig.Leds.Fault, "still blinking at 2 Hz");
    }

    [TestMethod]
    public void RefusedWhileSteadyReturnsToSteady()
    {
        using var rig = new Rig();
        rig.Panel.Show(new PanelView(LedPattern.Off, LedPattern.Off, LedPattern.On));
        rig.Panel.SignalRefused();
        Assert.IsTrue(rig.Leds.Fault);
        rig.AdvanceMs(130);
        Assert.IsFalse(rig.Leds.Fault, "the overlay's first off half");
        rig.AdvanceMs(600);
        Assert.IsTrue(rig.Leds.Fault, "the view's steady red again");
    }

    [TestMethod]
    public void DisposeLeavesEveryLedDark()
    {
        var rig = new Rig();
        rig.Panel.Show(new PanelView(LedPattern.On, LedPattern.Blink, LedPattern.On));
        rig.AdvanceMs(10);
        Assert.AreEqual(new PanelLeds(true, true, true), rig.Leds);
        rig.Dispose();
        Assert.AreEqual(PanelLeds.Dark, rig.Leds);
        rig.AdvanceMs(1000);
        Assert.AreEqual(PanelLeds.Dark, rig.Leds, "no timer relights anything");
        Assert.AreEqual(PanelLeds.Dark, rig.Snapshots[^1].Leds);
        rig.Panel.Show(new PanelView(LedPattern.On, LedPattern.On, LedPattern.On));
        Assert.AreEqual(PanelLeds.Dark, rig.Leds, "a late view after shutdown is ignored");
    }

    [TestMethod]
    public void PolicyDecisionsDriveTheLeds()
    {
        var config = ConfigLoader.Parse("""
            bridge: { name: br0, management: 198.18.0.6/24 }
            service: { vip: 198.18.0.100 }
            servers:
              - { name: master, address: 198.18.0.1, port: 1 }
              - { name: slave, address: 198.18.0.2, port: 2 }
            health: { probe: http, interval: 20ms, timeout: 40ms, fall: 3, rise: 3 }
            panel: { driver: simulated }
            """, "test.yml");
        var policy = new FailoverPolicy(config);
        using var rig = new Rig(config.Panel);
        var now = TimeSpan.Zero;
        void Send(PolicyInput input)
        {
            policy.Handle(input);
            rig.Panel.Show(PanelView.From(policy.State, now));
        }

        Send(new SwitchConnected(now, null, new HashSet<string> { "master", "slave" }));
        for (var i = 0; i < 3; i++) { now += TimeSpan.FromMilliseconds(20); Send(new ProbeResult(now, "master", true)); Send(new ProbeResult(now, "slave", true)); }
        Assert.AreEqual(new PanelLeds(true, false, false), rig.Leds, "master serving: green");

        for (var i = 0; i < 3; i++) { now += TimeSpan.FromMilliseconds(20); Send(new ProbeResult(now, "master", false)); }
        Assert.AreEqual(new PanelLeds(false, true, true), rig.Leds, "slave serving, master down: amber, red blinking (lit first)");
        rig.AdvanceMs(260);
        Assert.AreEqual(new PanelLeds(false, true, false), rig.Leds, "red blinking (off half)");

        now += TimeSpan.FromMilliseconds(20);
        Send(new LinkChanged(now, "slave", false));
        Assert.AreEqual(new PanelLeds(false, false, true), rig.Leds, "nobody can serve: steady red");
    }

    [TestMethod]
    public void ASteadyPanelStillShowsTheWatchdogItIsAliveAndADisposedOneDoesNot()
    {
        var rig = new Rig();
        rig.Panel.Show(new PanelView(LedPattern.On, LedPattern.Off, LedPattern.Off));
        var snapshots = rig.Snapshots.Count;

        rig.Advance(TimeSpan.FromSeconds(10));

        Assert.IsLessThanOrEqualTo(FrontPanel.IdleTick, rig.Panel.SinceActivity, "its timer ticks while nothing blinks");
        Assert.AreEqual(snapshots, rig.Snapshots.Count, "and changes nothing");
        rig.Dispose();
        rig.Advance(TimeSpan.FromSeconds(10));
        Assert.IsGreaterThan(TimeSpan.FromSeconds(9), rig.Panel.SinceActivity);
    }
}
