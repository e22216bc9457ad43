using System.Collections.Frozen;
using Appliance.Policy;

namespace Appliance.Api;

/// <summary>One entry of the event log, with the wall-clock time for people.</summary>
public sealed record LoggedEvent(DateTimeOffset Time, EventKind Kind, string? Server, string Message)
{
    /// <summary>
    /// Its place in the history, given by <see cref="EventLog.Add"/> (0 before): one more than the
    /// event before it, also across restarts, so that a reader of <c>/api/events</c> can ask for
    /// what came after the last one it saw.
    /// </summary>
    public long Seq { get; init; }
}

/// <summary>
/// The event history, bounded: the newest <see cref="Capacity"/> events in memory for the API and
/// the status page, each also handed to the journal (when there is one) that keeps them across
/// restarts. Adding never waits for the disk: the controller loop adds.
/// </summary>
public sealed class EventLog
{
    /// <summary>Events kept: what <c>/api/events</c> can page through, and what the journal keeps.</summary>
    public const int Capacity = EventJournal.Keep;

    /// <summary>What <c>/api/status</c> shows: asked four times a second by the status page, so not the whole history.</summary>
    public const int Recent = 200;

    private readonly Queue<LoggedEvent> _events = new();
    private readonly EventJournal? _journal;
    private readonly Lock _lock = new();
    private long _seq;

    /// <param name="journal">Where the history is kept across restarts: its events are the first here, and the numbering goes on from them. Null keeps it in memory only.</param>
    public EventLog(EventJournal? journal = null)
    {
        _journal = journal;
        if (journal is null) return;
        foreach (var entry in journal.Loaded.TakeLast(Capacity)) _events.Enqueue(entry);
        _seq = journal.LastSeq;
    }

    /// <summary>
    /// Each event as it is added, numbered, in order (the notifications). Called under the log's lock
    /// by whoever adds, the controller loop too: a handler must hand the event on and return, never wait.
    /// </summary>
    public event Action<LoggedEvent>? Added;

    /// <summary>Numbers <paramref name="entry"/> and keeps it.</summary>
    /// <returns>The entry as kept, with its <see cref="LoggedEvent.Seq"/>.</returns>
    public LoggedEvent Add(LoggedEvent entry)
    {
        lock (_lock)
        {
            var numbered = entry with { Seq = ++_seq };
            _events.Enqueue(numbered);
            if (_events.Count > Capacity) _events.Dequeue();
            // Under the lock, so that the journal receives the events in the order of their numbers.
            _journal?.Append(numbered);
            Added?.Invoke(numbered);
            return numbered;
        }
    }

    /// <summary>The newest <see cref="Recent"/> events, newest last.</summary>
    public IReadOnlyList<LoggedEvent> Snapshot()
    {
        lock (_lock) return [.. _events.Skip(_events.Count - Recent)];
    }

    /// <summary>
    /// A page of the history, newest last: without <paramref name="after"/> the newest
    /// <paramref name="limit"/> events; with it, the oldest <paramref name="limit"/> events
    /// numbered after it, so that following <see cref="EventPage.Next"/> misses none that is still kept.
    /// </summary>
    public EventPage Page(long? after, int limit)
    {
        lock (_lock)
        {
            LoggedEvent[] events = after is { } seq ? [.. _events.Where(e => e.Seq > seq).Take(limit)] : [.. _events.Skip(_events.Count - limit)];
            return new EventPage(events, events.Length > 0 ? events[^1].Seq : _seq);
        }
    }
}

/// <param name="Events">Newest last.</param>
/// <param name="Next">The number to ask for events after next time: the last one in <paramref name="Events"/>,
/// else the newest event's (0 without any). Below the number asked for when the history was lost (a new journal).</param>
public sealed record EventPage(IReadOnlyList<LoggedEvent> Events, long Next);

/// <summary>
/// Kinds by the names the API and the journal use (<c>health_down</c>): names, not numbers, so
/// that a kind added in the middle of <see cref="EventKind"/> does not change what a saved one means.
/// </summary>
public static class EventNames
{
    private static readonly FrozenDictionary<string, EventKind> Kinds =
        Enum.GetValues<EventKind>().ToFrozenDictionary(Of, StringComparer.Ordinal);

    public static string Of(EventKind kind) => SnakeCase(kind.ToString());

    /// <summary>The kind named <paramref name="name"/>; false for a name this firmware does not know (a newer one wrote it).</summary>
    public static bool TryParse(string name, out EventKind kind) => Kinds.TryGetValue(name, out kind);

    private static string SnakeCase(string name) => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
