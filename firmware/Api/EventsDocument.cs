using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Appliance.Api;

/// <summary>
/// <c>GET /api/events</c> (docs/api.md#get-apievents): a page of the event history, newest last,
/// and the number to ask for events after next time.
/// </summary>
public sealed record EventsDocument(IReadOnlyList<EventDocument> Events, long Next)
{
    public static EventsDocument From(EventPage page) => new([.. page.Events.Select(EventDocument.From)], page.Next);
}

/// <summary>The query of <c>GET /api/events</c>: <c>after</c> (an event number) and <c>limit</c>, each at most once.</summary>
public static class EventsQuery
{
    public const int DefaultLimit = 100;

    /// <summary>The whole history the firmware keeps fits one page.</summary>
    public const int MaxLimit = EventLog.Capacity;

    /// <summary>The query as given, or why it is refused (a 400).</summary>
    public static (long? After, int Limit, string? Error) Read(StringValues after, StringValues limit)
    {
        const string AfterRule = "after must be an event number (0 or more), given once";
        var limitRule = $"limit must be a number from 1 to {MaxLimit}, given once";
        long? from = null;
        if (after.Count > 1) return (null, 0, AfterRule);
        if (after.Count == 1)
        {
            if (!TryNumber(after[0], out var number)) return (null, 0, AfterRule);
            from = number;
        }
        var count = DefaultLimit;
        if (limit.Count > 1) return (null, 0, limitRule);
        if (limit.Count == 1)
        {
            if (!TryNumber(limit[0], out var number) || number is < 1 or > MaxLimit) return (null, 0, limitRule);
            count = (int)number;
        }
        return (from, count, null);
    }

    /// <summary>Digits only: no sign, no spaces, no exponent; what a client copied from <c>next</c>.</summary>
    private static bool TryNumber(string? text, out long value)
    {
        value = 0;
        return text is { Length: > 0 } && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
