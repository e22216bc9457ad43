using System.Text.Json;

namespace Appliance.LabKit;

/// <summary>
/// labtool udp-stream's report (tools/LabTool/README.md): what was sent, answered and lost, and the datagrams the
/// target refused with ICMP port or host unreachable. Times in ms since the first datagram.
/// </summary>
/// <param name="FirstRefusedSeq">The lowest sequence number refused; null when none was.</param>
/// <param name="FirstRefusedMs">When the first refusal arrived.</param>
/// <param name="LostAfterFirstRefusal">Datagrams after the first refused one that got no answer in time (refused or lost).</param>
public sealed record UdpStreamReport(
    JsonElement Json,
    long Sent,
    long Answered,
    long Lost,
    IReadOnlyDictionary<string, long> Servers,
    long Refused,
    long? FirstRefusedSeq,
    double? FirstRefusedMs,
    long? LostAfterFirstRefusal)
{
    public static UdpStreamReport Parse(JsonElement json) => new(
        json,
        json.GetProperty("sent").GetInt64(),
        json.GetProperty("answered").GetInt64(),
        json.GetProperty("lost").GetInt64(),
        LabToolJson.Servers(json),
        json.GetProperty("refused").GetInt64(),
        LabToolJson.Int64OrNull(json, "first_refused_seq"),
        LabToolJson.DoubleOrNull(json, "first_refused_ms"),
        LabToolJson.Int64OrNull(json, "lost_after_first_refusal"));

    /// <summary>The whole JSON report, for assertion messages.</summary>
    public override string ToString() => Json.ToString();
}

/// <summary>
/// labtool http-loop's report (tools/LabTool/README.md): requests sent and answered, answers per server, and every
/// failed request with its kind and time (ms since the first request).
/// </summary>
public sealed record HttpLoopReport(JsonElement Json, long Sent, long Answered, IReadOnlyDictionary<string, long> Servers, IReadOnlyList<HttpFailure> Failures)
{
    /// <summary>A reset answered the SYN: nothing listens on the port.</summary>
    public const string Refused = "refused";

    /// <summary>A reset, or the end of the connection, after it was made and before a whole answer.</summary>
    public const string Reset = "reset";

    /// <summary>No whole answer within the timeout, the connect included.</summary>
    public const string Timeout = "timeout";

    /// <summary>An answer other than 2xx or 3xx.</summary>
    public const string Status = "status";

    public static HttpLoopReport Parse(JsonElement json)
    {
        var failed = json.GetProperty("failed");
        if (json.GetProperty("failed_total").GetInt64() > failed.GetArrayLength()) throw new InvalidDataException("labtool listed only some of its failures");
        return new HttpLoopReport(
            json,
            json.GetProperty("sent").GetInt64(),
            json.GetProperty("answered").GetInt64(),
            LabToolJson.Servers(json),
            [.. failed.EnumerateArray().Select(HttpFailure.Parse)]);
    }

    /// <summary>The failures of one kind (<see cref="Refused"/>, <see cref="Reset"/>, ...), in the order they happened.</summary>
    public IReadOnlyList<HttpFailure> Of(string kind) => [.. Failures.Where(f => f.Kind == kind)];

    /// <summary>How many requests failed so.</summary>
    public int Count(string kind) => Failures.Count(f => f.Kind == kind);

    /// <summary>The whole JSON report, for assertion messages.</summary>
    public override string ToString() => Json.ToString();
}

/// <summary>One failed request of http-loop.</summary>
/// <param name="Kind">refused, reset, timeout, status, unreachable or error.</param>
/// <param name="Detail">As labtool counts it in <c>failures</c>: the kind, or e.g. "http 503".</param>
/// <param name="StartMs">When the request started.</param>
/// <param name="AtMs">When it failed.</param>
/// <param name="UnixMs">When it failed, in Unix ms (this machine's clock), to line up with the firmware's events.</param>
public sealed record HttpFailure(long Seq, string Kind, string Detail, double StartMs, double AtMs, double UnixMs)
{
    internal static HttpFailure Parse(JsonElement f) => new(
        f.GetProperty("seq").GetInt64(),
        LabPlan.Text(f, "kind"),
        LabPlan.Text(f, "detail"),
        f.GetProperty("start_ms").GetDouble(),
        f.GetProperty("at_ms").GetDouble(),
        f.GetProperty("unix_ms").GetDouble());
}

internal static class LabToolJson
{
    public static IReadOnlyDictionary<string, long> Servers(JsonElement json) =>
        json.GetProperty("servers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

    public static long? Int64OrNull(JsonElement json, string property) =>
        json.GetProperty(property) is { ValueKind: JsonValueKind.Number } v ? v.GetInt64() : null;

    public static double? DoubleOrNull(JsonElement json, string property) =>
        json.GetProperty(property) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;
}
