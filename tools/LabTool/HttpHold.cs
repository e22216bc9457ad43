using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LabTool;

/// <summary>
/// labtool http-hold --url URL [--connections 20] [--interval 10ms] [--duration 0] [--connect-timeout 1s]
///                   [--stall 50ms] [--silent 1s] [--json FILE] [--live]
///
/// Long-lived connections through a failover: opens N kept-alive HTTP/1.1 connections to URL at once
/// and GETs it on each every interval (one request at a time per connection), until the duration is
/// up or SIGINT/SIGTERM. Reports per connection which server answered (X-Server), whether it survived
/// (still answering at the stop), was reset, closed by the server or went silent, and its longest gap
/// between answers; http-loop measures new connections, this measures established ones.
///
/// "held: N of N answering (...)" is printed once every connection has answered or failed (or
/// --connect-timeout + 2 s have passed: the rest are "waiting"), so a benchmark knows when the connections stand. A connection counts as silent when it is open but has
/// had no answer for --silent before the stop (a path that drops its packets). Meanwhile a watchdog
/// thread notes when this process itself was not scheduled for more than 25 ms ("client stalls"): a
/// gap that coincides with one may be the client's, not the network's.
/// </summary>
static class HttpHold
{
    static readonly long ClientStallTicks = Stopwatch.Frequency / 40; // 25 ms

    public static int Run(Options o) => RunAsync(o).GetAwaiter().GetResult();

    static async Task<int> RunAsync(Options o)
    {
        var urlText = o.Require("url");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp || !IPAddress.TryParse(url.Host, out var address))
            throw new UsageException($"--url: want http://IPv4[:PORT]/PATH, not '{urlText}'");
        int count = o.Int("connections", 20, 1, 1000);
        var interval = o.Duration("interval", TimeSpan.FromMilliseconds(10));
        var duration = o.Duration("duration", TimeSpan.Zero);
        var connectTimeout = o.Duration("connect-timeout", TimeSpan.FromSeconds(1));
        var stall = o.Duration("stall", TimeSpan.FromMilliseconds(50));
        var silent = o.Duration("silent", TimeSpan.FromSeconds(1));
        string? json = o.Get("json");
        bool live = o.Flag("live");
        o.CheckAllUsed();
        if (interval <= TimeSpan.Zero || connectTimeout <= TimeSpan.Zero || stall <= TimeSpan.Zero || silent <= TimeSpan.Zero)
            throw new UsageException("--interval, --connect-timeout, --stall and --silent must be more than 0");

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        long freq = Stopwatch.Frequency;
        var target = new IPEndPoint(address, url.Port);
        var request = Encoding.ASCII.GetBytes($"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUser-Agent: labtool-http-hold\r\n\r\n");
        var connections = Enumerable.Range(1, count)
            .Select(i => new HeldConnection(i, target, request, Ticks(interval), Ticks(stall))).ToList();
        Console.WriteLine($"http-hold {url}: {count} connections, a request on each every {interval.TotalMilliseconds:0.###} ms, " +
                          $"{(duration > TimeSpan.Zero ? $"{duration.TotalSeconds:0.###} s" : "until stopped")}");

        long t0 = Stopwatch.GetTimestamp();
        long startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var output = new Lock();
        void OnEnd(HeldConnection c)
        {
            if (!live) return;
            lock (output) Console.WriteLine($"  {S(c.OutcomeAt - t0)}  #{c.Id} {c.Server ?? "(no answer)"}: {c.Outcome} after {c.Answers} answers");
        }
        var watchdog = new ClientWatchdog();
        var watchThread = new Thread(() => watchdog.Run(stop.Token)) { IsBackground = true, Name = "client stalls" };
        watchThread.Start();
        var runs = connections.Select(c => Task.Run(() => c.RunAsync(connectTimeout, OnEnd, stop.Token))).ToList();

        // A connection whose first request is lost (or whose server hangs) must not hold up the report:
        // after --connect-timeout and 2 s more it is listed as waiting and goes on as it is.
        try { await Task.WhenAll(connections.Select(c => c.FirstAnswer)).WaitAsync(connectTimeout + TimeSpan.FromSeconds(2), stop.Token); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        lock (output)
        {
            var answering = connections.Where(c => c.Answered).ToList();
            Console.WriteLine($"held: {answering.Count} of {count} answering ({Servers(answering)}); " +
                              $"failed: {(answering.Count == count ? "none" : Outcomes(connections.Where(c => !c.Answered).Select(c => c.Outcome == "open" ? "waiting" : c.Outcome)))}" +
                              (live ? "; ends as they happen:" : ""));
        }

        // --duration counts from the moment the connections stand.
        try { await Task.Delay(duration > TimeSpan.Zero ? duration : Timeout.InfiniteTimeSpan, stop.Token); }
        catch (OperationCanceledException) { }
        long stoppedAt = Stopwatch.GetTimestamp();
        stop.Cancel();
        await Task.WhenAll(runs);
        watchThread.Join();
        foreach (var c in connections) c.Finish(stoppedAt);

        string Outcome(HeldConnection c) =>
            c.Outcome == "open" && stoppedAt - c.LastAnswerAt > Ticks(silent) ? "silent" :
            c.Outcome == "connecting" ? "not-connected" : c.Outcome;
        var outcomes = connections.GroupBy(Outcome).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        var opened = connections.Where(c => c.Answered).ToList();
        var worst = opened.MaxBy(c => c.LongestGap);

        Console.WriteLine();
        Console.WriteLine($"http-hold {url}: {S(stoppedAt - t0)} from {(startUnixMs / 1000.0).ToString("F3", CultureInfo.InvariantCulture)} (Unix s), " +
                          $"{count} connections, {opened.Count} answered at least once ({Servers(opened)})");
        Console.WriteLine("at the stop: " + string.Join(", ", outcomes.Select(kv => $"{kv.Key} {kv.Value}")));
        Console.WriteLine($"stalled (a gap between answers over {stall.TotalMilliseconds:0} ms): {opened.Count(c => c.Stalls > 0)} connection(s)" +
                          (worst is null ? "" : $"; longest gap {F(Ms(worst.LongestGap))} ms on #{worst.Id} ({S(worst.LongestGapFrom - t0)} to {S(worst.LongestGapTo - t0)})"));
        Console.WriteLine($"client stalls (this process not scheduled > 25 ms): {(watchdog.Stalls.Count == 0 ? "none" : string.Join(", ", watchdog.Stalls.Select(s => $"{S(s.At - t0)} {F(Ms(s.Ticks))} ms")))}");
        Console.WriteLine(" conn  port   server   outcome          at s   answers  longest gap ms  stalls");
        foreach (var c in connections)
        {
            var servers = c.Server is null ? "-" : string.Join("+", new[] { c.Server }.Concat(c.OtherServers));
            var at = c.OutcomeAt == 0 ? "" : S(c.OutcomeAt - t0);
            Console.WriteLine($" #{c.Id,-4} {c.LocalPort,5}  {servers,-8} {Outcome(c),-14} {at,8} {c.Answers,9} {F(Ms(c.LongestGap)),15} {c.Stalls,7}{(c.Detail is null ? "" : "  " + c.Detail)}");
        }

        if (json is not null)
        {
            double At(long ticks) => Math.Round(Ms(ticks - t0), 3);
            using var fs = File.Create(json);
            using var j = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
            j.WriteStartObject();
            j.WriteString("tool", "http-hold");
            j.WriteString("url", url.ToString());
            j.WriteNumber("connections", count);
            j.WriteNumber("interval_ms", interval.TotalMilliseconds);
            j.WriteNumber("stall_ms", stall.TotalMilliseconds);
            j.WriteNumber("silent_ms", silent.TotalMilliseconds);
            j.WriteNumber("start_unix_ms", startUnixMs);
            j.WriteNumber("duration_s", Math.Round((stoppedAt - t0) / (double)freq, 4));
            j.WriteNumber("answered", opened.Count);
            j.WriteStartObject("outcomes");
            foreach (var kv in outcomes) j.WriteNumber(kv.Key, kv.Value);
            j.WriteEndObject();
            j.WriteNumber("stalled", opened.Count(c => c.Stalls > 0));
            j.WriteNumber("longest_gap_ms", worst is null ? 0 : Math.Round(Ms(worst.LongestGap), 3));
            j.WriteStartArray("client_stalls");
            foreach (var s in watchdog.Stalls)
            {
                j.WriteStartObject();
                j.WriteNumber("at_ms", At(s.At));
                j.WriteNumber("ms", Math.Round(Ms(s.Ticks), 3));
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartArray("held");
            foreach (var c in connections)
            {
                j.WriteStartObject();
                j.WriteNumber("id", c.Id);
                j.WriteNumber("local_port", c.LocalPort);
                if (c.Server is null) j.WriteNull("server"); else j.WriteString("server", c.Server);
                j.WriteStartArray("other_servers");
                foreach (var s in c.OtherServers) j.WriteStringValue(s);
                j.WriteEndArray();
                j.WriteString("outcome", Outcome(c));
                if (c.OutcomeAt == 0) j.WriteNull("outcome_ms"); else j.WriteNumber("outcome_ms", At(c.OutcomeAt));
                if (c.Detail is null) j.WriteNull("detail"); else j.WriteString("detail", c.Detail);
                j.WriteNumber("answers", c.Answers);
                j.WriteNumber("bad_status", c.BadStatus);
                if (c.Answered) j.WriteNumber("last_answer_ms", At(c.LastAnswerAt)); else j.WriteNull("last_answer_ms");
                j.WriteStartObject("longest_gap");
                j.WriteNumber("ms", Math.Round(Ms(c.LongestGap), 3));
                j.WriteNumber("from_ms", c.LongestGap == 0 ? 0 : At(c.LongestGapFrom));
                j.WriteNumber("to_ms", c.LongestGap == 0 ? 0 : At(c.LongestGapTo));
                j.WriteEndObject();
                j.WriteNumber("stalls", c.Stalls);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        return opened.Count > 0 ? 0 : 1;
    }

    static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);
    static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
    static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
    static string S(long ticks) => (ticks / (double)Stopwatch.Frequency).ToString("F3", CultureInfo.InvariantCulture) + " s";

    static string Servers(IEnumerable<HeldConnection> cs)
    {
        var by = cs.GroupBy(c => c.Server ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}").ToList();
        return by.Count == 0 ? "no server" : string.Join(", ", by);
    }

    static string Outcomes(IEnumerable<string> outcomes) =>
        string.Join(", ", outcomes.GroupBy(o => o).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));

    /// <summary>Wakes every 5 ms and notes each time it woke more than 25 ms late: the process was not scheduled.</summary>
    sealed class ClientWatchdog
    {
        public List<(long At, long Ticks)> Stalls { get; } = [];

        public void Run(CancellationToken stop)
        {
            long last = Stopwatch.GetTimestamp();
            while (!stop.IsCancellationRequested)
            {
                Thread.Sleep(5);
                long now = Stopwatch.GetTimestamp();
                if (now - last > ClientStallTicks) Stalls.Add((last, now - last));
                last = now;
            }
        }
    }
}
