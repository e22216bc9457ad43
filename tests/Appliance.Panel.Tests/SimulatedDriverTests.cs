namespace Appliance.Panel.Tests;

[TestClass]
public sealed class SimulatedDriverTests
{
    [TestMethod]
    public void InputEdgesRaiseCallbacksLikeARealDriver()
    {
        var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(5, PinMode.InputPullUp);
        var seen = new List<PinEventTypes>();
        gpio.RegisterCallbackForPinValueChangedEvent(5, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) => seen.Add(e.ChangeType));
        Assert.AreEqual(PinValue.High, gpio.Read(5), "pulled up");
        driver.PressButton(5);
        driver.PressButton(5); // no change, no edge
        driver.ReleaseButton(5);
        CollectionAssert.AreEqual(new[] { PinEventTypes.Falling, PinEventTypes.Rising }, seen);
    }

    [TestMethod]
    public void OutputsAreReadableAndReportedEvenAfterClosing()
    {
        var driver = new SimulatedGpioDriver();
        var changes = new List<(int, PinValue)>();
        driver.OutputChanged += (pin, value) => changes.Add((pin, value));
        using (var gpio = new GpioController(driver))
        {
            gpio.OpenPin(17, PinMode.Output, PinValue.High);
            Assert.AreEqual(PinValue.High, driver.GetLevel(17));
        }
        Assert.AreEqual(PinValue.High, driver.GetLevel(17), "what the LED was left showing");
        Assert.IsNull(driver.ModeOf(17));
        CollectionAssert.AreEqual(new[] { (17, PinValue.High) }, changes);
    }

    [TestMethod]
    public void MisuseFailsLikeHardwareWould()
    {
        var driver = new SimulatedGpioDriver(pinCount: 4);
        using var gpio = new GpioController(driver);
        Assert.AreEqual(4, gpio.PinCount);
        gpio.OpenPin(1, PinMode.Input);
        Assert.ThrowsExactly<InvalidOperationException>(() => driver.PressButton(2), "pin 2 is not open");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => driver.GetLevel(4));
    }

    [TestMethod]
    [Timeout(10_000, CooperativeCancellation = true)]
    public async Task WaitForEventSeesAnInjectedEdge()
    {
        var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(3, PinMode.InputPullDown);
        var wait = Task.Run(() => gpio.WaitForEvent(3, PinEventTypes.Rising, TimeSpan.FromSeconds(5)));
        while (!wait.IsCompleted)
        {
            driver.PressButton(3);
            driver.ReleaseButton(3);
            await Task.Delay(10);
        }
        var result = await wait;
        Assert.IsFalse(result.TimedOut);
        Assert.AreEqual(PinEventTypes.Rising, result.EventTypes);
    }
}
