using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Appliance.Health;

/// <summary>
/// Sleeps until an absolute <see cref="Stopwatch"/> time with the kernel's high-resolution timer.
/// The runtime's timers count whole milliseconds and then queue the continuation to the thread
/// pool; on this 2-core machine under load that starts a 10 ms schedule 2–3 ms late (median),
/// against about 0.1 ms from a thread sleeping in clock_nanosleep(TIMER_ABSTIME).
/// </summary>
internal static unsafe partial class PreciseClock
{
    private const int ClockMonotonic = 1; // what Stopwatch reads on Linux
    private const int TimerAbstime = 1;
    private const int Eintr = 4;

    /// <summary>True where <see cref="SleepUntil"/> works (Linux, whose Stopwatch is CLOCK_MONOTONIC).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux();

    /// <summary>Blocks the calling thread until <see cref="Stopwatch.GetTimestamp"/> reaches <paramref name="timestamp"/>.</summary>
    public static void SleepUntil(long timestamp)
    {
        long nanoseconds = (long)((Int128)timestamp * 1_000_000_000 / Stopwatch.Frequency);
        var until = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        // Absolute time: a signal that interrupts the sleep (EINTR) just means sleep again.
        while (clock_nanosleep(ClockMonotonic, TimerAbstime, &until, null) == Eintr)
        {
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // Returns the error number (not -1 and errno).
    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int clock_nanosleep(int clock, int flags, Timespec* request, Timespec* remaining);
}
