using Appliance.Api;
using Appliance.Pipeline;

namespace Appliance.Controller;

/// <summary>
/// Turns the guard's rule counters, read again and again, into totals that only grow: a rule
/// replaced (a server's MAC changed) or a switch restarted starts counting from zero again, and
/// what it had counted before stays counted.
/// </summary>
internal sealed class GuardTally
{
    private readonly SortedDictionary<(string Guard, string Owner), ulong> _totals = new(Comparer<(string Guard, string Owner)>.Create(Order));
    private Dictionary<FlowKey, ulong> _last = [];

    public IReadOnlyList<GuardCount> Add(IReadOnlyList<GuardDrop> drops)
    {
        var seen = new Dictionary<FlowKey, ulong>();
        foreach (var drop in drops)
        {
            var before = _last.GetValueOrDefault(drop.Rule);
            var added = drop.Packets >= before ? drop.Packets - before : drop.Packets;
            _totals[(drop.Guard, drop.Owner)] = _totals.GetValueOrDefault((drop.Guard, drop.Owner)) + added;
            seen[drop.Rule] = drop.Packets;
        }
        _last = seen;
        return [.. _totals.Select(t => new GuardCount(t.Key.Guard, t.Key.Owner, t.Value))];
    }

    private static int Order((string Guard, string Owner) a, (string Guard, string Owner) b)
    {
        var guard = Rank(a.Guard).CompareTo(Rank(b.Guard));
        return guard != 0 ? guard : string.CompareOrdinal(a.Owner, b.Owner);
    }

    private static int Rank(string guard)
    {
        for (var i = 0; i < GuardMetrics.Guards.Count; i++)
        {
            if (GuardMetrics.Guards[i] == guard) return i;
        }
        return GuardMetrics.Guards.Count;
    }
}
