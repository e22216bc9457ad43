using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LabTool;

/// <summary>
/// Waits until an absolute Stopwatch time with tens-of-microseconds precision and little CPU:
/// sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until shortly before the deadline,
/// then spins the last stretch. Thread.Sleep alone cannot do 1 kHz (it rounds to whole
/// milliseconds and oversleeps); spinning alone would eat one of the lab machine's two cores.
/// </summary>
static class Pacer
{
    // Spin this long before each deadline: covers wake-up latency of a sleeping thread.
    static readonly long SpinTicks = Stopwatch.Frequency / 10_000; // 100 µs

    // On Linux, Stopwatch is CLOCK_MONOTONIC in nanoseconds, so its ticks can be handed to
    // clock_nanosleep directly. Anywhere else fall back to Thread.Sleep + spin.
    static readonly bool UseNanosleep = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    const int ClockMonotonic = 1;
    const int TimerAbstime = 1;
    const int PrSetTimerslack = 29;

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec { public long Sec; public long Nsec; }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; these two calls are trivial
    [DllImport("libc", EntryPoint = "clock_nanosleep")]
    static extern int ClockNanosleep(int clock, int flags, ref Timespec request, IntPtr remain);

    [DllImport("libc", EntryPoint = "prctl")]
    static extern int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
#pragma warning restore SYSLIB1054

    /// <summary>Call once on the pacing thread: the default 50 µs timer slack blurs wake-ups.</summary>
    public static void TightenTimerSlack()
    {
        if (UseNanosleep) _ = Prctl(PrSetTimerslack, 1, 0, 0, 0);
    }

    public static void WaitUntil(long deadline)
    {
        long now = Stopwatch.GetTimestamp();
        long sleepUntil = deadline - SpinTicks;
        if (sleepUntil > now)
        {
            if (UseNanosleep)
            {
                var ts = new Timespec { Sec = sleepUntil / 1_000_000_000, Nsec = sleepUntil % 1_000_000_000 };
                // EINTR just ends the sleep early; the spin below absorbs it.
                _ = ClockNanosleep(ClockMonotonic, TimerAbstime, ref ts, IntPtr.Zero);
            }
            else
            {
                long ms = (sleepUntil - now) * 1000 / Stopwatch.Frequency;
                if (ms >= 2) Thread.Sleep((int)ms - 1);
            }
        }
        while (Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
    }
}
