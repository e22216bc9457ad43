namespace Appliance.Panel.Tests;

[TestClass]
public sealed class ButtonTests
{
    [TestMethod]
    [DataRow(true, DisplayName = "edge events")]
    [DataRow(false, DisplayName = "polled (a line without interrupts)")]
    public void BouncingPressIsOneShortPress(bool edgeEvents)
    {
        using var rig = new Rig(edgeEvents: edgeEvents);
        rig.Bounce(press: true, bounces: 6);
        rig.AdvanceMs(150);
        Assert.AreEqual(0, rig.ShortPresses, "nothing until the button is let go");
        rig.Bounce(press: false, bounces: 6);
        rig.AdvanceMs(50);
        Assert.AreEqual(1, rig.ShortPresses);
        Assert.AreEqual(0, rig.Holds);
    }

    [TestMethod]
    public void TwoPressesAreTwoPresses()
    {
        using var rig = new Rig();
        for (var i = 0; i < 2; i++)
        {
            rig.Bounce(press: true);
            rig.AdvanceMs(100);
            rig.Bounce(press: false);
            rig.AdvanceMs(100);
        }
        Assert.AreEqual(2, rig.ShortPresses);
    }

    [TestMethod]
    public void AOneMillisecondSpikeIsNoPress()
    {
        using var rig = new Rig();
        rig.Driver.PressButton(23);
        rig.AdvanceMs(1);
        rig.Driver.ReleaseButton(23);
        rig.AdvanceMs(500);
        Assert.AreEqual(0, rig.ShortPresses);
    }

    [TestMethod]
    [DataRow(true, DisplayName = "edge events")]
    [DataRow(false, DisplayName = "polled (a line without interrupts)")]
    public void ThreeSecondHoldIsAHoldWhileStillHeldAndNeverAPress(bool edgeEvents)
    {
        using var rig = new Rig(edgeEvents: edgeEvents);
        rig.Bounce(press: true);
        rig.AdvanceMs(2900);
        Assert.AreEqual(0, rig.Holds, "not yet");
        rig.AdvanceMs(200);
        Assert.AreEqual(1, rig.Holds, "raised at 3 s, with the button still down");
        Assert.AreEqual(PinValue.Low, rig.Driver.GetLevel(23), "still pressed");
        rig.AdvanceMs(5000);
        Assert.AreEqual(1, rig.Holds, "once per hold");
        rig.Bounce(press: false);
        rig.AdvanceMs(100);
        Assert.AreEqual(0, rig.ShortPresses, "letting go after a hold is not a press");
        Assert.AreEqual(1, rig.Holds);
    }

    [TestMethod]
    public void ReleasedJustBeforeThreeSecondsIsAShortPress()
    {
        using var rig = new Rig();
        rig.Bounce(press: true);
        rig.AdvanceMs(2900);
        rig.Bounce(press: false);
        rig.AdvanceMs(5000);
        Assert.AreEqual(1, rig.ShortPresses);
        Assert.AreEqual(0, rig.Holds);
    }

    [TestMethod]
    public void PullDownWiringIsActiveHigh()
    {
        using var rig = new Rig(Rig.Pins with { ButtonPullUp = false });
        Assert.AreEqual(PinMode.InputPullDown, rig.Driver.ModeOf(23));
        Assert.AreEqual(PinValue.Low, rig.Driver.GetLevel(23), "idle low");
        rig.Bounce(press: true);
        Assert.AreEqual(PinValue.High, rig.Driver.GetLevel(23));
        rig.AdvanceMs(100);
        rig.Bounce(press: false);
        rig.AdvanceMs(100);
        Assert.AreEqual(1, rig.ShortPresses);
    }

    [TestMethod]
    public void PullUpWiringIsActiveLow()
    {
        using var rig = new Rig();
        Assert.AreEqual(PinMode.InputPullUp, rig.Driver.ModeOf(23));
        Assert.AreEqual(PinValue.High, rig.Driver.GetLevel(23), "idle high");
        rig.Driver.PressButton(23);
        Assert.AreEqual(PinValue.Low, rig.Driver.GetLevel(23));
    }

    [TestMethod]
    public void ALineWithoutEdgeEventsIsPolledWithOneMoreTimer()
    {
        using var polled = new Rig(edgeEvents: false);
        using var edges = new Rig();
        Assert.AreEqual(edges.Time.TimersCreated + 1, polled.Time.TimersCreated);
        Assert.AreEqual(PinMode.InputPullUp, polled.Driver.ModeOf(23), "the line is taken again after the refused edge request");
        polled.Driver.PressButton(23);
        polled.AdvanceMs(100);
        polled.Driver.ReleaseButton(23);
        polled.AdvanceMs(100);
        Assert.AreEqual(1, polled.ShortPresses);
    }

    [TestMethod]
    public void AButtonHeldAtStartUpCountsOnceSeenSteady()
    {
        var driver = new SimulatedGpioDriver();
        var clock = new FakeTimeProvider();
        using var controller = new GpioController(driver);
        controller.OpenPin(23, PinMode.InputPullUp);
        driver.PressButton(23);
        controller.ClosePin(23); // the level stays: the button is still held
        using var button = new GpioPanelButton(controller, 23, PinMode.InputPullUp, activeLow: true, clock);
        var holds = 0;
        button.Hold += (_, _) => holds++;
        for (var i = 0; i < 3100; i++) clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.AreEqual(1, holds);
    }

    [TestMethod]
    public void RemotePressRaisesTheSameEvents()
    {
        using var rig = new Rig();
        rig.Panel.Press(PressKind.Short);
        rig.Panel.Press(PressKind.Long);
        Assert.AreEqual(1, rig.ShortPresses);
        Assert.AreEqual(1, rig.Holds);
    }

    [TestMethod]
    public void NoEventsAfterDispose()
    {
        var rig = new Rig();
        rig.Bounce(press: true);
        rig.Dispose();
        rig.AdvanceMs(4000);
        Assert.AreEqual(0, rig.Holds);
    }

    [TestMethod]
    public void LogicWithoutHardwareDebouncesAndHolds()
    {
        var clock = new FakeTimeProvider();
        using var button = new DebouncedButton(clock);
        int presses = 0, holds = 0;
        button.ShortPress += (_, _) => presses++;
        button.Hold += (_, _) => holds++;
        foreach (var pressed in new[] { true, false, true, false, true })
        {
            button.OnEdge(pressed);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.IsFalse(button.IsPressed, "not settled yet");
        clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.IsTrue(button.IsPressed);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.AreEqual(1, holds);
        button.OnEdge(false);
        clock.Advance(TimeSpan.FromMilliseconds(25));
        Assert.IsFalse(button.IsPressed);
        Assert.AreEqual(0, presses);
    }
}

[TestClass]
public sealed class RealClockTests
{
    /// <summary>Once on the real clock and thread-pool timers, with generous bounds: the fake clock proves the timing, this proves the wiring.</summary>
    [TestMethod]
    [Timeout(20_000, CooperativeCancellation = true)]
    public async Task PanelRunsOnTheRealClock()
    {
        var driver = new SimulatedGpioDriver();
        using var panel = new FrontPanel(driver, Rig.Pins, TimeProvider.System);
        var presses = new TaskCompletionSource();
        var holds = new TaskCompletionSource();
        var toggles = 0;
        panel.ShortPress += (_, _) => presses.TrySetResult();
        panel.Hold += (_, _) => holds.TrySetResult();
        panel.Changed += (_, s) => Interlocked.Increment(ref toggles);

        panel.Show(new PanelView(LedPattern.Blink, LedPattern.Off, LedPattern.Off));
        await Task.Delay(1200);
        Assert.IsGreaterThanOrEqualTo(3, Volatile.Read(ref toggles), "blinking on its own");

        driver.PressButton(23);
        await Task.Delay(100);
        driver.ReleaseButton(23);
        await presses.Task.WaitAsync(TimeSpan.FromSeconds(5));

        driver.PressButton(23);
        await holds.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.AreEqual(PinValue.Low, driver.GetLevel(23), "the hold came while the button was still down");
        driver.ReleaseButton(23);
    }
}
