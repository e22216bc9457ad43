using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace LabTool;

/// <summary>
/// labtool http-loop --url URL [--duration 20s] [--interval 0] [--timeout 250ms] [--json FILE] [--live]
///
/// The study's request client: GETs the URL again and again, each request on a new TCP connection
/// (like the study's browser reloads; a kept-alive connection would hide the moment of failover).
/// Which server answered is read from the X-Server header, else the page's &lt;title&gt;, else the
/// whole body when it is one short line. A request counts as answered when it gets a 2xx/3xx;
/// timeouts, refusals, resets and other statuses are failures and are what "lost" counts.
///
/// --timeout bounds one request: it is also the resolution of the measured outage, because a
/// request sent into a dead server only fails after it. --interval is the time between request
/// starts (0: back to back).
///
/// Failures by kind: refused (a reset answered the SYN: nothing listens), reset (a reset or the end
/// of the connection after it was made, before a whole answer), timeout (no whole answer within
/// --timeout, the connect included), status (an answer other than 2xx/3xx), unreachable, error;
/// each with its time, so a test can tell when the refusals stopped.
/// </summary>
static partial class HttpLoop
{
    public static int Run(Options o) => RunAsync(o).GetAwaiter().GetResult();

    static async Task<int> RunAsync(Options o)
    {
        var urlText = o.Require("url");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
            throw new UsageException($"--url: want http://HOST[:PORT]/PATH, not '{urlText}'");
        var duration = o.Duration("duration", TimeSpan.FromSeconds(20));
        var interval = o.Duration("interval", TimeSpan.Zero);
        var timeout = o.Duration("timeout", TimeSpan.FromMilliseconds(250));
        string? json = o.Get("json");
        bool live = o.Flag("live");
        o.CheckAllUsed();
        if (timeout <= TimeSpan.Zero) throw new UsageException("--timeout must be more than 0");

        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,            // lab addresses only: never ask an http_proxy from the environment
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        long freq = Stopwatch.Frequency;
        var trace = new Trace(10_000);
        var failures = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var failed = new List<Failure>();
        Console.WriteLine($"http-loop {url}: {(duration > TimeSpan.Zero ? $"{duration.TotalSeconds:0.###} s" : "until stopped")}, " +
                          $"timeout {timeout.TotalMilliseconds:0} ms{(live ? "; switches as they happen:" : "")}");

        // One uncounted request first: JIT and connection set-up code would otherwise make the
        // first measured request ~100 ms slow. Its outcome does not matter.
        try
        {
            using var warm = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            warm.CancelAfter(timeout);
            using var req = new HttpRequestMessage(HttpMethod.Get, url);
            req.Headers.ConnectionClose = true;
            using var resp = await client.SendAsync(req, HttpCompletionOption.ResponseContentRead, warm.Token);
            _ = await resp.Content.ReadAsStringAsync(warm.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException) { }

        long t0 = Stopwatch.GetTimestamp();
        long startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var watch = new LiveSwitchWatch(trace, live) { Start = t0 };
        long end = duration > TimeSpan.Zero ? t0 + (long)(duration.TotalSeconds * freq) : long.MaxValue;
        long intervalTicks = (long)(interval.TotalSeconds * freq);
        long seq = 0, lastStart = t0;

        for (long nextStart = t0; !stop.IsCancellationRequested; seq++)
        {
            if (nextStart >= end) break;
            if (intervalTicks > 0) Pacer.WaitUntil(nextStart);
            long started = lastStart = Stopwatch.GetTimestamp();
            nextStart = Math.Max(nextStart + intervalTicks, started);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            cts.CancelAfter(timeout);
            string? failure;
            string? server = null;
            try
            {
                using var req = new HttpRequestMessage(HttpMethod.Get, url);
                req.Headers.ConnectionClose = true;
                using var resp = await client.SendAsync(req, HttpCompletionOption.ResponseContentRead, cts.Token);
                var body = await resp.Content.ReadAsStringAsync(cts.Token);
                int code = (int)resp.StatusCode;
                server = ServerName(resp, body);
                failure = code is >= 200 and < 400 ? null : $"http {code}";
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
            catch (OperationCanceledException) { failure = "timeout"; }
            catch (HttpRequestException e) { failure = Classify(e); }
            long done = Stopwatch.GetTimestamp();

            if (failure is null)
            {
                short id = trace.Intern(server!);
                trace.Record(seq, id, done, done - started);
                watch.OnAnswer(seq, id, done);
            }
            else
            {
                failures[failure] = failures.GetValueOrDefault(failure) + 1;
                if (failed.Count < MaxFailuresListed) failed.Add(new Failure(seq, failure, started, done));
            }
        }

        long sent = seq;
        double elapsed = (lastStart - t0) / (double)freq;
        var a = new Analysis(trace, sent, t0, lastStart);
        Console.WriteLine();
        Console.WriteLine($"http-loop {url}: {elapsed.ToString("F3", CultureInfo.InvariantCulture)} s, {sent} requests " +
                          $"({(elapsed > 0 ? sent / elapsed : 0).ToString("F1", CultureInfo.InvariantCulture)}/s)");
        Console.WriteLine("failures: " + (failures.Count == 0 ? "none" : string.Join(", ", failures.Select(kv => $"{kv.Key} {kv.Value}"))));
        if (failed.Count > 0)
            Console.WriteLine("failures by kind: " + string.Join(", ", failed.GroupBy(f => f.Kind).Select(g =>
                $"{g.Key} {g.Count()} (first #{g.First().Seq} at {Seconds(g.First().Done - t0)}, last #{g.Last().Seq} at {Seconds(g.Last().Done - t0)})")) +
                (failed.Count < failures.Values.Sum() ? $"; only the first {failed.Count} failures listed" : ""));
        var report = new Report(a, t0, startUnixMs, "requests");
        report.PrintText(Console.Out);
        if (json is not null)
            report.WriteJson(json, j =>
            {
                j.WriteString("tool", "http-loop");
                j.WriteString("url", url.ToString());
                j.WriteNumber("duration_s", Math.Round(elapsed, 4));
                j.WriteNumber("timeout_ms", timeout.TotalMilliseconds);
                j.WriteNumber("interval_ms", interval.TotalMilliseconds);
                j.WriteStartObject("failures");
                foreach (var kv in failures) j.WriteNumber(kv.Key, kv.Value);
                j.WriteEndObject();
                j.WriteStartObject("failures_by_kind");
                foreach (var kind in Kinds) j.WriteNumber(kind, failures.Where(kv => KindOf(kv.Key) == kind).Sum(kv => kv.Value));
                j.WriteEndObject();
                j.WriteNumber("failed_total", failures.Values.Sum());
                j.WriteStartArray("failed");
                foreach (var f in failed)
                {
                    j.WriteStartObject();
                    j.WriteNumber("seq", f.Seq);
                    j.WriteString("kind", f.Kind);
                    j.WriteString("detail", f.Detail);
                    j.WriteNumber("start_ms", Math.Round(Report.Ms(f.Started - t0), 3));
                    j.WriteNumber("at_ms", Math.Round(Report.Ms(f.Done - t0), 3));
                    j.WriteNumber("unix_ms", Math.Round(startUnixMs + Report.Ms(f.Done - t0), 3));
                    j.WriteEndObject();
                }
                j.WriteEndArray();
            });
        return a.Answered > 0 ? 0 : 1;
    }

    const int MaxFailuresListed = 100_000;

    /// <summary>What a failure was, in the words the report lists them by (failures_by_kind, failed[].kind).</summary>
    static readonly string[] Kinds = ["refused", "reset", "timeout", "status", "unreachable", "error"];

    /// <param name="Detail">as counted in "failures": the kind, "http 503", or the socket error</param>
    sealed record Failure(long Seq, string Detail, long Started, long Done)
    {
        public string Kind => KindOf(Detail);
    }

    static string KindOf(string detail) => detail switch
    {
        "refused" or "reset" or "timeout" or "unreachable" => detail,
        _ when detail.StartsWith("http ", StringComparison.Ordinal) => "status",
        _ => "error",
    };

    static string Seconds(long ticks) => (Report.Ms(ticks) / 1000).ToString("F3", CultureInfo.InvariantCulture) + " s";

    static string ServerName(HttpResponseMessage resp, string body)
    {
        if (resp.Headers.TryGetValues("X-Server", out var v) && v.FirstOrDefault() is { Length: > 0 } h) return h.Trim();
        var m = TitleRegex().Match(body);
        if (m.Success) return m.Groups[1].Value.Trim();
        var t = body.Trim();
        return t.Length is > 0 and <= 64 && !t.Contains('\n') ? t : "?";
    }

    static string Classify(HttpRequestException e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            // The handler's ConnectTimeout ends a connect that our own timeout would have ended too.
            if (x is TimeoutException or OperationCanceledException) return "timeout";
            if (x is SocketException se)
                return se.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "refused",
                    SocketError.ConnectionReset or SocketError.ConnectionAborted => "reset",
                    SocketError.TimedOut => "timeout",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                    var c => c.ToString().ToLowerInvariant(),
                };
        }
        return e.HttpRequestError == HttpRequestError.ResponseEnded ? "reset" : "error " + e.HttpRequestError.ToString().ToLowerInvariant();
    }

    [GeneratedRegex("<title>([^<]{1,64})</title>", RegexOptions.IgnoreCase)]
    private static partial Regex TitleRegex();
}
