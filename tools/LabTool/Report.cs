using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace LabTool;

/// <summary>
/// The summary printed by udp-stream and http-loop, and the same figures as JSON.
/// Times are milliseconds since the first probe was sent ("at"), plus Unix milliseconds for the
/// JSON so they can be lined up with the servers' nginx logs ($msec).
/// </summary>
sealed class Report(Analysis a, long t0, long startUnixMs, string noun)
{
    const int MaxListed = 20;     // lost ranges printed as text
    const int MaxListedJson = 1000;

    public static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    double At(long ticks) => Ms(ticks - t0);
    double Unix(long ticks) => Math.Round(startUnixMs + At(ticks), 3);
    static string S(double ms) => (ms / 1000).ToString("F4", CultureInfo.InvariantCulture) + " s";
    static string F(double v, string fmt = "F3") => v.ToString(fmt, CultureInfo.InvariantCulture);

    public void PrintText(TextWriter w)
    {
        w.WriteLine($"sent {a.Sent}, answered {a.Answered}, lost {a.Lost} ({F(a.LossPct)} %), duplicates {a.Duplicates}");
        if (a.LatenciesSorted.Length > 0)
            w.WriteLine($"round trip ms: min {F(a.LatencyPercentileMs(0))}  avg {F(a.LatencyAvgMs)}  p50 {F(a.LatencyPercentileMs(50))}  " +
                        $"p99 {F(a.LatencyPercentileMs(99))}  max {F(a.LatencyPercentileMs(100))}");
        w.WriteLine("answers by server: " + (a.PerServer.Count == 0 ? "none" : string.Join(", ", a.PerServer.Select(kv => $"{kv.Key} {kv.Value}"))));
        w.WriteLine($"longest gap between answers: {F(Ms(a.LongestGapTicks), "F1")} ms (from {S(At(a.LongestGapFrom))} to {S(At(a.LongestGapTo))})" +
                    (a.FirstAnswerTicks >= 0 ? $"; first answer after {F(Ms(a.FirstAnswerTicks))} ms" : ""));

        w.WriteLine($"switches: {(a.Switches.Count == 0 ? "none" : a.Switches.Count)}");
        foreach (var s in a.Switches)
            w.WriteLine($"  {s.From} -> {s.To} after {F(Ms(s.FirstNewAt - s.LastOldAt), "F1")} ms, {s.Lost} lost " +
                        $"(last {s.From} answer #{s.LastOldSeq} at {S(At(s.LastOldAt))}, first {s.To} answer #{s.FirstNewSeq} at {S(At(s.FirstNewAt))})");

        w.WriteLine($"unanswered {noun}: {(a.LostRanges.Count == 0 ? "none" : $"{a.LostRanges.Count} run(s)")}");
        foreach (var r in a.LostRanges.Take(MaxListed))
        {
            string span = r.BeforeAt is long b && r.AfterAt is long e ? $", {F(Ms(e - b), "F1")} ms between answers" : "";
            w.WriteLine($"  #{r.FirstSeq}..#{r.LastSeq} ({r.LastSeq - r.FirstSeq + 1}): {r.Before ?? "(start)"} -> {r.After ?? "(end)"}{span}");
        }
        if (a.LostRanges.Count > MaxListed) w.WriteLine($"  ... {a.LostRanges.Count - MaxListed} more (see --json)");
    }

    /// <param name="header">writes the verb's own fields (target, rate, ...) first</param>
    public void WriteJson(string path, Action<Utf8JsonWriter> header)
    {
        using var fs = File.Create(path);
        using var j = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
        j.WriteStartObject();
        header(j);
        j.WriteNumber("start_unix_ms", startUnixMs);
        j.WriteNumber("sent", a.Sent);
        j.WriteNumber("answered", a.Answered);
        j.WriteNumber("lost", a.Lost);
        j.WriteNumber("loss_pct", Math.Round(a.LossPct, 4));
        j.WriteNumber("duplicates", a.Duplicates);

        j.WriteStartObject("latency_ms");
        if (a.LatenciesSorted.Length > 0)
        {
            j.WriteNumber("min", Math.Round(a.LatencyPercentileMs(0), 3));
            j.WriteNumber("avg", Math.Round(a.LatencyAvgMs, 3));
            j.WriteNumber("p50", Math.Round(a.LatencyPercentileMs(50), 3));
            j.WriteNumber("p99", Math.Round(a.LatencyPercentileMs(99), 3));
            j.WriteNumber("max", Math.Round(a.LatencyPercentileMs(100), 3));
        }
        j.WriteEndObject();

        j.WriteStartObject("servers");
        foreach (var kv in a.PerServer) j.WriteNumber(kv.Key, kv.Value);
        j.WriteEndObject();

        j.WriteStartObject("longest_gap");
        j.WriteNumber("ms", Math.Round(Ms(a.LongestGapTicks), 3));
        j.WriteNumber("from_ms", Math.Round(At(a.LongestGapFrom), 3));
        j.WriteNumber("to_ms", Math.Round(At(a.LongestGapTo), 3));
        j.WriteEndObject();
        if (a.FirstAnswerTicks >= 0) j.WriteNumber("first_answer_ms", Math.Round(Ms(a.FirstAnswerTicks), 3));
        else j.WriteNull("first_answer_ms");

        j.WriteStartArray("switches");
        foreach (var s in a.Switches)
        {
            j.WriteStartObject();
            j.WriteString("from", s.From);
            j.WriteString("to", s.To);
            j.WriteNumber("outage_ms", Math.Round(Ms(s.FirstNewAt - s.LastOldAt), 3));
            j.WriteNumber("lost", s.Lost);
            j.WriteNumber("last_old_seq", s.LastOldSeq);
            j.WriteNumber("first_new_seq", s.FirstNewSeq);
            j.WriteNumber("last_old_ms", Math.Round(At(s.LastOldAt), 3));
            j.WriteNumber("first_new_ms", Math.Round(At(s.FirstNewAt), 3));
            j.WriteNumber("last_old_unix_ms", Unix(s.LastOldAt));
            j.WriteNumber("first_new_unix_ms", Unix(s.FirstNewAt));
            j.WriteEndObject();
        }
        j.WriteEndArray();

        j.WriteStartArray("segments");
        foreach (var g in a.Segments)
        {
            j.WriteStartObject();
            j.WriteString("server", g.Server);
            j.WriteNumber("first_seq", g.FirstSeq);
            j.WriteNumber("last_seq", g.LastSeq);
            j.WriteNumber("answers", g.Answers);
            j.WriteNumber("first_ms", Math.Round(At(g.FirstAt), 3));
            j.WriteNumber("last_ms", Math.Round(At(g.LastAt), 3));
            j.WriteEndObject();
        }
        j.WriteEndArray();

        j.WriteNumber("lost_ranges_total", a.LostRanges.Count);
        j.WriteStartArray("lost_ranges");
        foreach (var r in a.LostRanges.Take(MaxListedJson))
        {
            j.WriteStartObject();
            j.WriteNumber("first_seq", r.FirstSeq);
            j.WriteNumber("last_seq", r.LastSeq);
            j.WriteNumber("count", r.LastSeq - r.FirstSeq + 1);
            if (r.Before is null) j.WriteNull("before"); else j.WriteString("before", r.Before);
            if (r.After is null) j.WriteNull("after"); else j.WriteString("after", r.After);
            if (r.BeforeAt is long b && r.AfterAt is long e) j.WriteNumber("gap_ms", Math.Round(Ms(e - b), 3));
            else j.WriteNull("gap_ms");
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
    }
}
