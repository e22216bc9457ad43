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
            }
        }

        long sent = seq;
        double elapsed = (lastStart - t0) / (double)freq;
        var a = new Analysis(trace, sent, t0, lastStart);
        Console.WriteLine();
        Console.WriteLine($"http-loop {url}: {elapsed.ToString("F3", CultureInfo.InvariantCulture)} s, {sent} requests " +
                          $"({(elapsed > 0 ? sent / elapsed : 0).ToString("F1", CultureInfo.InvariantCulture)}/s)");
        Console.WriteLine("failures: " + (failures.Count == 0 ? "none" : string.Join(", ", failures.Select(kv => $"{kv.Key} {kv.Value}"))));
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
            });
        return a.Answered > 0 ? 0 : 1;
    }

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
            if (x is SocketException se)
                return se.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "refused",
                    SocketError.ConnectionReset or SocketError.ConnectionAborted => "reset",
                    SocketError.TimedOut => "timeout",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                    var c => c.ToString().ToLowerInvariant(),
                };
        return e.HttpRequestError == HttpRequestError.ResponseEnded ? "reset" : "error " + e.HttpRequestError.ToString().ToLowerInvariant();
    }

    [GeneratedRegex("<title>([^<]{1,64})</title>", RegexOptions.IgnoreCase)]
    private static partial Regex TitleRegex();
}
