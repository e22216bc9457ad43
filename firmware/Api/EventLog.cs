using System.Collections.Immutable;
using Appliance.Policy;

namespace Appliance.Api;

/// <summary>One entry of the event log, with the wall-clock time for people.</summary>
public sealed record LoggedEvent(DateTimeOffset Time, EventKind Kind, string? Server, string Message);

/// <summary>The recent events, bounded: the API and status page show them, the journal keeps the rest.</summary>
public sealed class EventLog(int capacity = 200)
{
    private ImmutableQueue<LoggedEvent> _events = [];
    private int _count;
    private readonly Lock _lock = new();

    public void Add(LoggedEvent entry)
    {
        lock (_lock)
        {
            _events = _events.Enqueue(entry);
            if (++_count > capacity)
            {
                _events = _events.Dequeue();
                _count--;
            }
        }
    }

    /// <summary>Newest last.</summary>
    public IReadOnlyList<LoggedEvent> Snapshot()
    {
        lock (_lock) return [.. _events];
    }
}
