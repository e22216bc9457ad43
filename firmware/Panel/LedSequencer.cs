namespace Appliance.Panel;

/// <summary>
/// What the LEDs show at any instant, as a pure function of the view, the overlays and the time:
/// no timers, no GPIO. <see cref="FrontPanel"/> asks it for the levels and for the next instant
/// anything changes, and sleeps one timer until then.
/// </summary>
/// <remarks>
/// Blinking is computed from an epoch rather than toggled by ticks, so a late timer never drifts
/// the phase, and every blinking LED is in phase with the others. The epoch is kept while anything
/// blinks: an LED that starts blinking joins the others' rhythm; when nothing blinked before, the
/// epoch is now, so a newly blinking LED lights at once.
/// </remarks>
internal sealed class LedSequencer(PanelTiming timing)
{
    private TimeSpan? _blinkEpoch;
    private TimeSpan _lampTestEnd;
    private TimeSpan? _refusedStart;

    public PanelView View { get; private set; } = PanelView.Dark;

    private TimeSpan RefusedLength => timing.RefusedHalfPeriod * (2 * timing.RefusedBlinks);

    public void StartLampTest(TimeSpan now) => _lampTestEnd = now + timing.LampTest;

    public void Show(PanelView view, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!Blinks(view)) _blinkEpoch = null;
        else if (_blinkEpoch is null) _blinkEpoch = now;
        View = view;
    }

    /// <summary>Starts the "refused" blinks on the fault LED; a second refusal while they run starts them again.</summary>
    public void SignalRefused(TimeSpan now) => _refusedStart = now;

    public bool IsRefusing(TimeSpan now) => _refusedStart is { } start && now >= start && now - start < RefusedLength;

    public PanelLeds LevelsAt(TimeSpan now)
    {
        if (now < _lampTestEnd)
        {
            return PanelLeds.All;
        }
        var fault = IsRefusing(now)
            ? PhaseOn(now - _refusedStart!.Value, timing.RefusedHalfPeriod)
            : Level(View.Fault, now);
        return new PanelLeds(Level(View.Master, now), Level(View.Slave, now), fault);
    }

    /// <summary>The next instant after <paramref name="now"/> at which <see cref="LevelsAt"/> may change; null when nothing will change by itself.</summary>
    public TimeSpan? NextChange(TimeSpan now)
    {
        TimeSpan? next = null;
        if (now < _lampTestEnd)
        {
            next = _lampTestEnd;
        }
        if (IsRefusing(now))
        {
            next = Earlier(next, NextBoundary(_refusedStart!.Value, timing.RefusedHalfPeriod, now));
        }
        if (_blinkEpoch is { } epoch)
        {
            next = Earlier(next, NextBoundary(epoch, timing.BlinkHalfPeriod, now));
        }
        return next;
    }

    private bool Level(LedPattern pattern, TimeSpan now) => pattern switch
    {
        LedPattern.On => true,
        LedPattern.Blink => PhaseOn(now - (_blinkEpoch ?? now), timing.BlinkHalfPeriod),
        _ => false,
    };

    private static bool PhaseOn(TimeSpan sinceEpoch, TimeSpan half) => sinceEpoch.Ticks / half.Ticks % 2 == 0;

    private static TimeSpan NextBoundary(TimeSpan epoch, TimeSpan half, TimeSpan now) =>
        epoch + TimeSpan.FromTicks(((now - epoch).Ticks / half.Ticks + 1) * half.Ticks);

    private static TimeSpan Earlier(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    private static bool Blinks(PanelView view) =>
        view.Master == LedPattern.Blink || view.Slave == LedPattern.Blink || view.Fault == LedPattern.Blink;
}
