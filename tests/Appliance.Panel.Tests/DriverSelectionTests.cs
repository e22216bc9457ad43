namespace Appliance.Panel.Tests;

[TestClass]
public sealed class DriverSelectionTests
{
    /// <summary>No machine has this many GPIO chips, so the chip is missing wherever the tests run.</summary>
    private const int AbsentChip = 4242;

    public TestContext TestContext { get; set; } = null!;

    private static PanelConfig With(PanelDriver driver, int chip = 0) => Rig.Pins with { Driver = driver, Chip = chip };

    /// <summary>A board with only the given chips and, optionally, sysfs.</summary>
    private GpioHost FakeBoard(bool sysfs, params int[] chips)
    {
        var root = Path.Combine(Path.GetTempPath(), "panel-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "dev"));
        foreach (var chip in chips) File.WriteAllText(Path.Combine(root, "dev", $"gpiochip{chip}"), "");
        if (sysfs) Directory.CreateDirectory(Path.Combine(root, "sys", "class", "gpio"));
        TestContext.Properties["root"] = root;
        return new GpioHost(Path.Combine(root, "dev"), Path.Combine(root, "sys", "class", "gpio"));
    }

    [TestCleanup]
    public void Cleanup()
    {
        if (TestContext.Properties.TryGetValue("root", out var root) && root is string dir) Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    [DataRow(PanelDriver.Libgpiod)]
    [DataRow(PanelDriver.Auto)]
    public void MissingChipIsAStartupErrorNamingTheKey(PanelDriver driver)
    {
        var e = Assert.ThrowsExactly<PanelStartupException>(() => FrontPanel.Open(With(driver, AbsentChip), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        Assert.AreEqual("panel.chip", e.Key);
        StringAssert.StartsWith(e.Message, "panel.chip: ");
        StringAssert.Contains(e.Message, $"gpiochip{AbsentChip}");
        Assert.AreEqual($"/etc/appliance/appliance.yml: panel.chip: {e.Detail}", e.ToConfigError("/etc/appliance/appliance.yml").ToString());
    }

    [TestMethod]
    public void AutoOnABoardWithOtherChipsNamesTheChipsThereAre()
    {
        var host = FakeBoard(sysfs: false, 0, 1);
        var e = Assert.ThrowsExactly<PanelStartupException>(() => PanelDrivers.Create(With(PanelDriver.Auto, 3), host));
        Assert.AreEqual("panel.chip", e.Key);
        StringAssert.Contains(e.Message, "chips present: gpiochip0, gpiochip1");
    }

    [TestMethod]
    public void AutoWithoutAnyGpioSaysToSimulate()
    {
        var host = FakeBoard(sysfs: false);
        var e = Assert.ThrowsExactly<PanelStartupException>(() => PanelDrivers.Create(With(PanelDriver.Auto), host));
        Assert.AreEqual("panel.chip", e.Key);
        StringAssert.Contains(e.Message, "panel.driver to simulated, or none");
    }

    [TestMethod]
    public void SysfsWithoutSysfsNamesTheDriver()
    {
        var host = FakeBoard(sysfs: false, 0);
        var e = Assert.ThrowsExactly<PanelStartupException>(() => PanelDrivers.Create(With(PanelDriver.Sysfs), host));
        Assert.AreEqual("panel.driver", e.Key);
    }

    [TestMethod]
    public void SysfsOnlyDrivesChipZero()
    {
        var host = FakeBoard(sysfs: true);
        var e = Assert.ThrowsExactly<PanelStartupException>(() => PanelDrivers.Create(With(PanelDriver.Sysfs, 2), host));
        Assert.AreEqual("panel.chip", e.Key);
    }

    [TestMethod]
    public void DriverNoneCreatesNothing()
    {
        Assert.IsNull(PanelDrivers.Create(With(PanelDriver.None)));
        Assert.IsNull(FrontPanel.Open(With(PanelDriver.None), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
    }

    [TestMethod]
    public void SimulatedDriverNeedsNoHardware()
    {
        using var panel = FrontPanel.Open(With(PanelDriver.Simulated), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        Assert.IsNotNull(panel);
        Assert.IsNotNull(panel.Simulator);
        Assert.AreEqual(PinMode.Output, panel.Simulator.ModeOf(17));
        Assert.AreEqual(PinMode.InputPullUp, panel.Simulator.ModeOf(23));
    }

    [TestMethod]
    [DataRow("panel.leds.master")]
    [DataRow("panel.leds.slave")]
    [DataRow("panel.leds.fault")]
    [DataRow("panel.button.pin")]
    public void MissingLineIsAStartupErrorNamingTheKey(string key)
    {
        var config = key switch
        {
            "panel.leds.master" => Rig.Pins with { MasterLed = 40 },
            "panel.leds.slave" => Rig.Pins with { SlaveLed = 40 },
            "panel.leds.fault" => Rig.Pins with { FaultLed = 40 },
            _ => Rig.Pins with { ButtonPin = 40 },
        };
        var driver = new SimulatedGpioDriver();
        var e = Assert.ThrowsExactly<PanelStartupException>(() => new FrontPanel(driver, config, new FakeTimeProvider()));
        Assert.AreEqual(key, e.Key);
        StringAssert.Contains(e.Message, "GPIO line 40 does not exist: the chip has lines 0 to 27");
    }

    [TestMethod]
    public void LineThatCannotBeOpenedIsAStartupErrorNamingTheKey()
    {
        var e = Assert.ThrowsExactly<PanelStartupException>(() => new FrontPanel(new RefusingDriver(refuse: 27), Rig.Pins, new FakeTimeProvider()));
        Assert.AreEqual("panel.leds.slave", e.Key);
        StringAssert.Contains(e.Message, "Device or resource busy");
    }

    /// <summary>A chip on which one line is held by another program.</summary>
    private sealed class RefusingDriver(int refuse) : GpioDriver
    {
        private readonly SimulatedGpioDriver _inner = new();
        private GpioController? _controller;
        private GpioController Inner => _controller ??= new GpioController(_inner);
        protected override int PinCount => SimulatedGpioDriver.DefaultPinCount;
        protected override void OpenPin(int pinNumber)
        {
            if (pinNumber == refuse) throw new IOException("Device or resource busy");
            Inner.OpenPin(pinNumber);
        }
        protected override void ClosePin(int pinNumber) => Inner.ClosePin(pinNumber);
        protected override void SetPinMode(int pinNumber, PinMode mode) => Inner.SetPinMode(pinNumber, mode);
        protected override PinMode GetPinMode(int pinNumber) => Inner.GetPinMode(pinNumber);
        protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
        protected override PinValue Read(int pinNumber) => Inner.Read(pinNumber);
        protected override void Write(int pinNumber, PinValue value) => Inner.Write(pinNumber, value);
        protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) => throw new NotSupportedException();
        protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) => Inner.RegisterCallbackForPinValueChangedEvent(pinNumber, eventTypes, callback);
        protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) => Inner.UnregisterCallbackForPinValueChangedEvent(pinNumber, callback);
        protected override void Dispose(bool disposing)
        {
            if (disposing) _controller?.Dispose();
            base.Dispose(disposing);
        }
    }
}
