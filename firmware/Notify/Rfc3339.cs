using System.Globalization;

namespace Appliance.Notify;

/// <summary>Timestamps as mails, webhooks and syslog carry them: RFC 3339 in UTC, to the millisecond (2026-12-02T07:40:09.123Z).</summary>
public static class Rfc3339
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
