using System.Globalization;
using System.Text;
using Appliance.Config;

namespace Appliance.Notify;

/// <summary>
/// RFC 5424 syslog messages: <c>&lt;PRI&gt;1 TIMESTAMP HOSTNAME appliance PROCID MSGID [appliance@32473 …] BOM MSG</c>.
/// Facility daemon (3); severity crit (2), warning (4) or info (6). 32473 is the enterprise number
/// RFC 5612 sets aside for examples: the box has none of its own.
/// </summary>
public static class SyslogFormat
{
    public const int Facility = 3;
    public const string AppName = "appliance";
    public const string SdId = "appliance@32473";

    /// <summary>Longest MSG in characters: with the header, a message stays within the 2048 octets every receiver must take (RFC 5424 6.1).</summary>
    public const int MaxMessage = 1800;

    public static int SeverityCode(NotifySeverity severity) => severity switch
    {
        NotifySeverity.Critical => 2,
        NotifySeverity.Warning => 4,
        _ => 6,
    };

    /// <summary>The message for <paramref name="delivery"/> (without framing), as UTF-8 bytes.</summary>
    public static byte[] Format(Delivery delivery, string hostname, int processId)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var n = delivery.Single;
        var text = new StringBuilder();
        text.Append('<').Append((Facility * 8) + SeverityCode(delivery.Severity)).Append(">1 ")
            .Append(Rfc3339.Format(n?.Time ?? delivery.Time)).Append(' ')
            .Append(Header(hostname, 255)).Append(' ')
            .Append(AppName).Append(' ')
            .Append(processId.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Header(n?.Event ?? "digest", 32)).Append(' ')
            .Append('[').Append(SdId);
        if (n is not null)
        {
            Param(text, "event", n.Event);
            Param(text, "severity", Severities.Name(n.Severity));
            if (n.Server is not null) Param(text, "server", n.Server);
            if (n.Seq > 0) Param(text, "seq", n.Seq.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            Param(text, "event", "digest");
            Param(text, "severity", Severities.Name(delivery.Severity));
            Param(text, "count", delivery.Total.ToString(CultureInfo.InvariantCulture));
        }
        text.Append("] ");
        string message = n is not null ? n.Message : DigestMessage(delivery);
        // MSG in UTF-8, marked by the BOM (RFC 5424 6.4); newlines would split it on receivers that read lines.
        var head = Encoding.UTF8.GetBytes(text.ToString());
        var body = Encoding.UTF8.GetBytes(MailText.OneLine(message, MaxMessage));
        return [.. head, 0xEF, 0xBB, 0xBF, .. body];
    }

    /// <summary>
    /// A digest's MSG: the count, then as many held events as fit in <see cref="MaxMessage"/>, then how many are
    /// not listed, so that the end is never cut off.
    /// </summary>
    private static string DigestMessage(Delivery delivery)
    {
        var text = new StringBuilder().Append(delivery.Total.ToString(CultureInfo.InvariantCulture)).Append(" events held back by the rate limit: ");
        // Room for "; … and 2147483647 more".
        int limit = MaxMessage - 32;
        int listed = 0;
        foreach (var e in delivery.Collapsed)
        {
            var entry = MailText.OneLine($"{Rfc3339.Format(e.Time)} {e.Event}: {e.Message}", 500);
            if (text.Length + entry.Length + 2 > limit) break;
            if (listed > 0) text.Append("; ");
            text.Append(entry);
            listed++;
        }
        int more = delivery.Total - listed;
        if (more > 0) text.Append(listed > 0 ? "; " : "").Append(MailText.AndMore(more));
        return text.ToString();
    }

    /// <summary>TCP framing (RFC 6587 octet counting): the length, a space, the message.</summary>
    public static byte[] OctetCounted(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return [.. Encoding.ASCII.GetBytes(message.Length.ToString(CultureInfo.InvariantCulture) + " "), .. message];
    }

    /// <summary>A header field: printable US-ASCII without spaces, at most <paramref name="max"/> characters; "-" when nothing is left.</summary>
    internal static string Header(string value, int max)
    {
        var kept = new string([.. value.Where(c => c is > ' ' and <= '~').Take(max)]);
        return kept.Length == 0 ? "-" : kept;
    }

    /// <summary>An SD-PARAM: its value escapes <c>"</c>, <c>\</c> and <c>]</c> with a backslash (RFC 5424 6.3.3).</summary>
    private static void Param(StringBuilder text, string name, string value)
    {
        text.Append(' ').Append(name).Append("=\"");
        foreach (char c in value)
        {
            if (c is '"' or '\\' or ']') text.Append('\\');
            text.Append(char.IsControl(c) ? ' ' : c);
        }
        text.Append('"');
    }
}
