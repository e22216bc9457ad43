using Appliance.Config;

namespace Appliance.Policy;

/// <summary>How flapping servers are held out of service.</summary>
/// <param name="Window">Downs older than this are forgotten.</param>
/// <param name="Threshold">From this many downs within the window, a recovering server is held.</param>
/// <param name="First">The first hold; each further down within the window doubles it.</param>
/// <param name="Max">The longest hold.</param>
public sealed record HoldDownSettings(TimeSpan Window, int Threshold, TimeSpan First, TimeSpan Max)
{
    /// <summary>From <c>health.hold_down</c> and <c>health.flap_window</c>: held from the second down, at most 5 minutes.</summary>
    public static HoldDownSettings From(HealthConfig health) => new(health.FlapWindow, 2, health.HoldDown, TimeSpan.FromMinutes(5));

    /// <summary>The hold for a server that went down <paramref name="downs"/> times within the window.</summary>
    public TimeSpan HoldFor(int downs)
    {
        if (downs < Threshold || First <= TimeSpan.Zero) return TimeSpan.Zero;
        var doublings = Math.Min(downs - Threshold, 20);
        var hold = First * (1L << doublings);
        return hold < Max ? hold : Max;
    }
}
