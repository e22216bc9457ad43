using System.Text;
using Appliance.Config;

namespace Appliance.Notify;

/// <summary>The subject and plain-text body of a notification mail. The subject names the box, the event and its message (which names the servers).</summary>
public static class MailText
{
    /// <summary>Longest subject; RFC 5322 recommends lines of at most 78 characters, and mail clients show about that.</summary>
    public const int MaxSubject = 120;

    public static string Subject(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        string text = delivery.Single is { } n
            ? $"[{delivery.Box}] {Severities.Name(n.Severity)}: {n.Message}"
            : $"[{delivery.Box}] {delivery.Total} more event{(delivery.Total == 1 ? "" : "s")} (rate limit digest)";
        return OneLine(text, MaxSubject);
    }

    /// <param name="statusPage">Where the box's status page is (http://10.0.0.6/), for the reader to look.</param>
    public static string Body(Delivery delivery, string? statusPage)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var text = new StringBuilder();
        if (delivery.Single is { } n)
        {
            text.Append(n.Message).Append("\n\n");
            Field(text, "event", n.Event);
            Field(text, "severity", Severities.Name(n.Severity));
            Field(text, "time", Rfc3339.Format(n.Time));
            Field(text, "box", n.Box);
            if (n.Server is not null) Field(text, "server", n.Server);
            if (n.Seq > 0) Field(text, "seq", n.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            text.Append(delivery.Total).Append(" event").Append(delivery.Total == 1 ? " was" : "s were")
                .Append(" held back by the rate limit (notify.window, notify.burst) until ").Append(Rfc3339.Format(delivery.Time)).Append(":\n\n");
            foreach (var e in delivery.Collapsed)
            {
                text.Append(Rfc3339.Format(e.Time)).Append(' ').Append(Severities.Name(e.Severity)).Append(' ').Append(e.Event)
                    .Append(": ").Append(OneLine(e.Message, 500)).Append('\n');
            }
            if (delivery.Unlisted is { } more) text.Append(AndMore(more.Count)).Append('\n');
        }
        if (statusPage is not null) text.Append("\nstatus page: ").Append(statusPage).Append('\n');
        return text.ToString();
    }

    /// <summary>What a digest says of the held events it does not list.</summary>
    internal static string AndMore(int count) => $"… and {count} more";

    private static void Field(StringBuilder text, string name, string value) => text.Append(name).Append(": ").Append(OneLine(value, 500)).Append('\n');

    /// <summary>Control characters (a newline could start a header) become spaces; cut to <paramref name="max"/>.</summary>
    internal static string OneLine(string text, int max)
    {
        var line = string.Create(text.Length, text, (span, s) =>
        {
            for (int i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? ' ' : s[i];
        });
        return line.Length <= max ? line : string.Concat(line.AsSpan(0, max - 1), "…");
    }
}
