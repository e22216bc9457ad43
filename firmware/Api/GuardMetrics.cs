namespace Appliance.Api;

/// <summary>What one guard dropped because it claimed one owner's MAC or address, since the firmware started.</summary>
/// <param name="Guard"><c>mac</c>, <c>arp</c> or <c>ipv4</c>.</param>
/// <param name="Owner">A server's name, <c>management</c> or <c>vip</c>.</param>
public sealed record GuardCount(string Guard, string Owner, ulong Dropped);

/// <summary>
/// The ingress guard's drop counts, for <c>/metrics</c> and <c>/api/status</c>. The firmware reads
/// them from the switch's rule counters every few seconds and replaces them as a whole.
/// </summary>
public sealed class GuardMetrics
{
    /// <summary>The guards, in the order they see a frame.</summary>
    public static IReadOnlyList<string> Guards { get; } = ["mac", "arp", "ipv4"];

    private volatile IReadOnlyList<GuardCount> _all = [];

    /// <summary>Every guard and owner seen so far, ordered by guard, then owner.</summary>
    public IReadOnlyList<GuardCount> All => _all;

    public ulong Total(string guard)
    {
        ulong total = 0;
        foreach (var count in _all)
        {
            if (count.Guard == guard) total += count.Dropped;
        }
        return total;
    }

    public void Publish(IReadOnlyList<GuardCount> counts) => _all = counts;
}
