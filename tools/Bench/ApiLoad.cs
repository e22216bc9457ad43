using System.Diagnostics;
using System.Net.Http.Headers;

namespace Appliance.Bench;

/// <summary>One API request: when it started (ms since the load began), what it was, how long it took, the status (0: no answer).</summary>
internal sealed record ApiSample(double AtMs, string Kind, double Ms, int Status);

/// <summary>
/// Requests to the firmware's API one after the other, alternating <c>POST /api/failback</c> (with the token:
/// it is handled by the controller loop, which answers it, so its latency is the loop's) and <c>GET
/// /api/status</c> (served from the status the loop last published). The management address is local to the
/// bench's namespace: the latency is the firmware's, not the network's.
/// </summary>
internal sealed class ApiLoad : IDisposable
{
    public const string Failback = "POST /api/failback";
    public const string Status = "GET /api/status";

    private readonly HttpClient _http;

    public ApiLoad(Lab lab)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{lab.Plan.Api}/"), Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(lab.TokenFile).Trim());
    }

    /// <summary>Sends requests, one every <paramref name="interval"/> (or back to back when one takes longer), until <paramref name="stop"/>.</summary>
    public async Task<List<ApiSample>> RunAsync(TimeSpan interval, CancellationToken stop)
    {
        var samples = new List<ApiSample>();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var due = start + (long)(i * interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            samples.Add(await OneAsync(i % 2 == 0 ? Failback : Status, start));
        }
        return samples;
    }

    /// <summary>One request of <paramref name="kind"/>, timed.</summary>
    public async Task<ApiSample> OneAsync(string kind, long since)
    {
        var begun = Stopwatch.GetTimestamp();
        var status = 0;
        try
        {
            using var response = kind == Failback ? await _http.PostAsync("api/failback", null) : await _http.GetAsync("api/status");
            await response.Content.ReadAsByteArrayAsync();
            status = (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
        }
        return new ApiSample(Stopwatch.GetElapsedTime(since, begun).TotalMilliseconds, kind, Stopwatch.GetElapsedTime(begun).TotalMilliseconds, status);
    }

    /// <summary>GET <paramref name="path"/> (api/status, metrics): its body.</summary>
    public Task<string> GetAsync(string path) => _http.GetStringAsync(path);

    /// <summary>Latency figures of one kind of request: count, answered, median, p99, max (ms).</summary>
    public static (int Count, int Answered, double Median, double P99, double Max) Figures(IEnumerable<ApiSample> samples, string kind)
    {
        var of = samples.Where(s => s.Kind == kind).ToList();
        var ms = of.Select(s => s.Ms).Order().ToArray();
        if (ms.Length == 0) return (0, 0, double.NaN, double.NaN, double.NaN);
        var p99 = ms[Math.Min(ms.Length - 1, (int)Math.Ceiling(0.99 * ms.Length) - 1)];
        return (of.Count, of.Count(s => s.Status is >= 200 and < 500), Stats.Of(ms).Median, p99, ms[^1]);
    }

    public void Dispose() => _http.Dispose();
}
