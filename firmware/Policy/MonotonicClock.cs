namespace Appliance.Policy;

/// <summary>
/// Monotonic time since the firmware started, the time base of every policy input. Wall-clock
/// time is not used: it jumps when NTP first syncs on a box without an RTC battery. The firmware
/// makes one at start-up and hands the same instance to everything that stamps events.
/// </summary>
public sealed class MonotonicClock
{
    private readonly long _origin;

    public MonotonicClock(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Time = time;
        _origin = time.GetTimestamp();
    }

    /// <summary>The provider behind the clock: timers must use the same one.</summary>
    public TimeProvider Time { get; }

    /// <summary>Time elapsed since the clock was made.</summary>
    public TimeSpan Now => Time.GetElapsedTime(_origin);

    /// <summary>The clock's time at a <see cref="TimeProvider.GetTimestamp"/> value taken earlier.</summary>
    public TimeSpan At(long timestamp) => Time.GetElapsedTime(_origin, timestamp);
}
