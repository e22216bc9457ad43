namespace Appliance.Controller;

/// <summary>
/// The firmware's long-running loops and, for each, how to tell it is alive. systemd's watchdog is
/// petted only while every one is: a dead loop anywhere (the controller, the probe schedule, the
/// front panel, the ARP receiver) gets the firmware restarted instead of leaving it half alive.
/// </summary>
/// <remarks>A loop is judged by what it shows from outside: recent activity, its task still running, no fault recorded.</remarks>
public sealed class LoopLiveness
{
    private readonly Lock _lock = new();
    private readonly List<(string Loop, Func<string?> Problem)> _loops = [];

    /// <summary>Watches <paramref name="loop"/>; <paramref name="problem"/> says what is wrong with it, or null while it is alive.</summary>
    public void Watch(string loop, Func<string?> problem)
    {
        lock (_lock) _loops.Add((loop, problem));
    }

    /// <summary>What is wrong, one line per dead loop ("probe schedule: no activity for 12.0 s"); empty while all are alive.</summary>
    public IReadOnlyList<string> Problems()
    {
        (string Loop, Func<string?> Problem)[] loops;
        lock (_lock) loops = [.. _loops];
        var problems = new List<string>();
        foreach (var (loop, problem) in loops)
        {
            string? found;
            try
            {
                found = problem();
            }
            catch (Exception e)
            {
                found = $"cannot tell: {e.Message}";
            }
            if (found is not null) problems.Add($"{loop}: {found}");
        }
        return problems;
    }

    /// <summary>Alive while it showed activity within <paramref name="maxSilence"/>; <paramref name="sinceActivity"/> is null while it has not started (not dead).</summary>
    public static Func<string?> Active(Func<TimeSpan?> sinceActivity, TimeSpan maxSilence) =>
        () => sinceActivity() is { } silent && silent > maxSilence ? $"no activity for {silent.TotalSeconds:0.0} s" : null;

    /// <summary>Alive while its task runs: a loop meant to run until the firmware stops.</summary>
    public static Func<string?> Running(Task loop) =>
        () => !loop.IsCompleted ? null
            : loop.Exception?.InnerException is { } e ? $"ended with {e.GetType().Name}: {e.Message}"
            : "ended";

    /// <summary>Alive while it has recorded no fault.</summary>
    public static Func<string?> NotFaulted(Func<Exception?> fault) =>
        () => fault() is { } e ? $"stopped by {e.GetType().Name}: {e.Message}" : null;
}
