using System.Text.Json;

namespace Appliance.Bench;

/// <summary>Reading labtool's JSON report, the same for udp-stream and http-loop (tools/LabTool/README.md).</summary>
internal static class LabToolReport
{
    /// <summary>
    /// One change of the answering server as the client saw it. Outage = first answer of the new
    /// server − last answer of the old one; lost = probes in between without an answer.
    /// </summary>
    public sealed record Change(double OutageMs, int Lost, long FirstNewSeq, double FirstNewUnixMs);

    /// <summary>
    /// The first switch from <paramref name="from"/> to <paramref name="to"/> whose first new answer came
    /// at or after <paramref name="notBeforeUnixMs"/> (Unix ms, the clock of this machine); null when there is none.
    /// </summary>
    public static Change? FirstSwitch(JsonElement report, string from, string to, double notBeforeUnixMs = double.NegativeInfinity)
    {
        foreach (var change in report.GetProperty("switches").EnumerateArray())
        {
            if (change.GetProperty("from").GetString() == from && change.GetProperty("to").GetString() == to
                && change.GetProperty("first_new_unix_ms").GetDouble() >= notBeforeUnixMs)
            {
                return new Change(change.GetProperty("outage_ms").GetDouble(), change.GetProperty("lost").GetInt32(),
                    change.GetProperty("first_new_seq").GetInt64(), change.GetProperty("first_new_unix_ms").GetDouble());
            }
        }
        return null;
    }

    /// <summary>How many times the answering server changed.</summary>
    public static int Switches(JsonElement report) => report.GetProperty("switches").GetArrayLength();

    /// <summary>The server that answered last at or before <paramref name="unixMs"/>; null when nothing had answered yet.</summary>
    public static string? ServerAt(JsonElement report, double unixMs)
    {
        var start = report.GetProperty("start_unix_ms").GetDouble();
        string? server = null;
        foreach (var segment in report.GetProperty("segments").EnumerateArray())
        {
            if (start + segment.GetProperty("first_ms").GetDouble() > unixMs) break;
            server = segment.GetProperty("server").GetString();
        }
        return server;
    }

    /// <summary>Whether any answer after probe <paramref name="after"/> came from <paramref name="server"/>.</summary>
    public static bool AnsweredAfter(JsonElement report, string server, long after) =>
        report.GetProperty("segments").EnumerateArray().Any(s => s.GetProperty("server").GetString() == server && s.GetProperty("last_seq").GetInt64() > after);

    /// <summary>Probes sent after probe <paramref name="after"/> that got no answer (from the lost ranges labtool lists).</summary>
    public static long LostAfter(JsonElement report, long after)
    {
        var listed = report.GetProperty("lost_ranges");
        // labtool lists the first 1000 ranges only: past that, a count from them would be too low.
        if (report.GetProperty("lost_ranges_total").GetInt32() > listed.GetArrayLength()) throw new InvalidDataException("labtool listed only some of its lost ranges");
        long lost = 0;
        foreach (var range in listed.EnumerateArray())
        {
            var first = Math.Max(range.GetProperty("first_seq").GetInt64(), after + 1);
            var last = range.GetProperty("last_seq").GetInt64();
            if (last >= first) lost += last - first + 1;
        }
        return lost;
    }
}
