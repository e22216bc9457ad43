namespace Appliance.Health;

/// <summary>
/// The deadlines of one server's probes: origin + N × interval, with no memory of how late earlier
/// probes started, so lateness never accumulates.
/// </summary>
internal struct ProbeSchedule(TimeSpan interval)
{
    private readonly long _intervalTicks = interval.Ticks;
    private long _n;

    /// <summary>When the next probe is due, as time since the origin.</summary>
    public readonly TimeSpan Due => TimeSpan.FromTicks(_n * _intervalTicks);

    /// <summary>
    /// The probe due at <see cref="Due"/> has just started, <paramref name="elapsed"/> after the
    /// origin; moves to the next deadline. Normally that is the following one. When later
    /// deadlines have passed too (the machine stalled for more than an interval) the probe just
    /// started stands for them, and the schedule resumes at the next deadline still ahead rather
    /// than firing a burst. Returns how many deadlines were skipped.
    /// </summary>
    public long Started(TimeSpan elapsed)
    {
        long passed = elapsed.Ticks / _intervalTicks; // the latest deadline already passed
        long skipped = passed > _n ? passed - _n : 0;
        _n += 1 + skipped;
        return skipped;
    }
}
