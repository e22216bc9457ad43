namespace Appliance.Panel;

/// <summary>How the LEDs move. The defaults are the product's; tests may shorten nothing, they drive a fake clock.</summary>
/// <param name="BlinkHalfPeriod">On time and off time of a blinking LED: 250 ms is 2 Hz, slow enough to tell from "on" across a room.</param>
/// <param name="RefusedHalfPeriod">On and off time of each of the quick red blinks that say "refused".</param>
/// <param name="RefusedBlinks">How many quick red blinks say "refused".</param>
/// <param name="LampTest">How long every LED is lit at start-up, so a dead LED is noticed.</param>
public sealed record PanelTiming(TimeSpan BlinkHalfPeriod, TimeSpan RefusedHalfPeriod, int RefusedBlinks, TimeSpan LampTest)
{
    public static PanelTiming Default { get; } = new(
        TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(120), 3, TimeSpan.FromMilliseconds(300));
}

/// <summary>How the button is read.</summary>
/// <param name="Debounce">The level must stay put this long before a change counts: contacts bounce for a few ms.</param>
/// <param name="Hold">Held this long, the button means "move service to the next server" (3 s: docs/configuration.md, the button).</param>
public sealed record ButtonTiming(TimeSpan Debounce, TimeSpan Hold)
{
    public static ButtonTiming Default { get; } = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(3));
}

/// <summary>What the three LEDs show at one instant (true = lit).</summary>
public readonly record struct PanelLeds(bool Master, bool Slave, bool Fault)
{
    public static PanelLeds Dark => default;
    public static PanelLeds All => new(true, true, true);
}

/// <summary>The panel as a status display sees it: the view asked for, what is lit right now, and whether the "refused" blinks are running.</summary>
public readonly record struct PanelSnapshot(PanelView View, PanelLeds Leds, bool Refusing);

