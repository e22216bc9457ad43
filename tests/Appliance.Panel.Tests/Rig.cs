namespace Appliance.Panel.Tests;

/// <summary>A front panel on the simulated driver with the default pins, driven by a fake clock.</summary>
internal sealed class Rig : IDisposable
{
    public static readonly PanelConfig Pins = new(PanelDriver.Simulated, 0, 17, 27, 22, 23, true);

    public Rig(PanelConfig? config = null, bool skipLampTest = true, bool edgeEvents = true)
    {
        Config = config ?? Pins;
        Driver = new SimulatedGpioDriver(edgeEvents: edgeEvents);
        Time = new CountingTimeProvider(Clock);
        Panel = new FrontPanel(Driver, Config, Time);
        Panel.ShortPress += (_, _) => ShortPresses++;
        Panel.Hold += (_, _) => Holds++;
        Panel.Changed += (_, s) => Snapshots.Add(s);
        if (skipLampTest) Advance(PanelTiming.Default.LampTest);
    }

    public FakeTimeProvider Clock { get; } = new();

    public CountingTimeProvider Time { get; }

    public SimulatedGpioDriver Driver { get; }

    public PanelConfig Config { get; }

    public FrontPanel Panel { get; }

    public int ShortPresses { get; private set; }

    public int Holds { get; private set; }

    public List<PanelSnapshot> Snapshots { get; } = [];

    /// <summary>What the LEDs on the (simulated) board show now.</summary>
    public PanelLeds Leds => new(
        Driver.GetLevel(Config.MasterLed) == PinValue.High,
        Driver.GetLevel(Config.SlaveLed) == PinValue.High,
        Driver.GetLevel(Config.FaultLed) == PinValue.High);

    /// <summary>
    /// Lets time pass in 1 ms steps. FakeTimeProvider.Advance moves the clock to the end first and
    /// then fires what is due, so one big step would show timers firing late; real time flows.
    /// </summary>
    public void Advance(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(1);
        for (; by > step; by -= step) Clock.Advance(step);
        Clock.Advance(by);
    }

    public void AdvanceMs(double ms) => Advance(TimeSpan.FromMilliseconds(ms));

    /// <summary>The button's contact as it closes or opens: <paramref name="bounces"/> extra edges 1 ms apart, ending at the new level.</summary>
    public void Bounce(bool press, int bounces = 4)
    {
        for (var i = 0; i <= bounces; i++)
        {
            var closed = (bounces - i) % 2 == 0 ? press : !press;
            if (closed) Driver.PressButton(Config.ButtonPin);
            else Driver.ReleaseButton(Config.ButtonPin);
            if (i < bounces) AdvanceMs(1);
        }
    }

    public void Dispose() => Panel.Dispose();
}

/// <summary>A clock that counts the timers made from it: the panel must not make one per LED or per blink.</summary>
internal sealed class CountingTimeProvider(TimeProvider inner) : TimeProvider
{
    public int TimersCreated { get; private set; }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        TimersCreated++;
        return inner.CreateTimer(callback, state, dueTime, period);
    }
}
