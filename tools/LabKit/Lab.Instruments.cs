using System.Globalization;
using System.Text.Json;

namespace Appliance.LabKit;

/// <summary>labtool's measuring clients, run in the lab's client namespace (tools/LabTool/README.md).</summary>
public sealed partial class Lab
{
    /// <summary>
    /// Starts labtool's UDP stream from the client to the VIP's echo responders, or to <paramref name="target"/>
    /// (IP:PORT, e.g. a server's own address); its report also counts the datagrams refused (ICMP unreachable).
    /// </summary>
    public Measurement<UdpStreamReport> StartUdpStream(TimeSpan duration, int rate = 1000, string? target = null)
    {
        var json = Path.Combine(StateFolder, $"stream-{Guid.NewGuid():n}.json");
        var task = Sh.RunAsync(Tool, "exec", "--name", Name, "client", LabTool, "udp-stream", "--target", target ?? $"{Vip}:7",
            "--rate", rate.ToString(CultureInfo.InvariantCulture), "--duration", Ms(duration), "--json", json);
        return new Measurement<UdpStreamReport>(task, json, UdpStreamReport.Parse);
    }

    /// <summary>
    /// Starts labtool's http-loop from the client: a GET of <paramref name="url"/> (default: the VIP's <c>/time</c>)
    /// on a new connection every <paramref name="interval"/>, each given up after <paramref name="timeout"/>, for
    /// <paramref name="duration"/>. Its report lists every failure with its kind (refused, reset, timeout, status)
    /// and time.
    /// </summary>
    public Measurement<HttpLoopReport> StartHttpLoop(TimeSpan duration, TimeSpan interval, TimeSpan timeout, string? url = null)
    {
        var json = Path.Combine(StateFolder, $"loop-{Guid.NewGuid():n}.json");
        // Real-time priority, as the benchmarks run it: a client the scheduler leaves waiting would time out by itself.
        var task = Sh.RunAsync(Tool, "exec", "--name", Name, "client", "chrt", "-f", "10", LabTool, "http-loop", "--url", url ?? $"http://{Vip}/time",
            "--duration", Ms(duration), "--interval", Ms(interval), "--timeout", Ms(timeout), "--json", json);
        return new Measurement<HttpLoopReport>(task, json, HttpLoopReport.Parse);
    }

    /// <summary>
    /// Starts labtool's http-hold from the client: <paramref name="connections"/> kept-alive HTTP connections to the
    /// VIP, a GET on each every 10 ms, for <paramref name="duration"/> after they all stand; a gap over 50 ms is a stall.
    /// </summary>
    public Measurement StartHttpHold(int connections, TimeSpan duration)
    {
        var json = Path.Combine(StateFolder, $"hold-{Guid.NewGuid():n}.json");
        // Real-time priority, as bench connections runs it: a client the scheduler leaves waiting would show its own gaps.
        var task = Sh.RunAsync(Tool, "exec", "--name", Name, "client", "chrt", "-f", "10", LabTool, "http-hold", "--url", $"http://{Vip}/time",
            "--connections", connections.ToString(CultureInfo.InvariantCulture), "--interval", "10ms", "--stall", "50ms",
            "--duration", $"{duration.TotalSeconds}s", "--json", json);
        return new Measurement(task, json);
    }

    /// <summary>A duration as labtool reads it, to the millisecond.</summary>
    private static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";

    /// <summary>A running labtool measurement (udp-stream, http-hold); <see cref="ResultAsync"/> waits for its end and reads its JSON.</summary>
    public class Measurement(Task<Sh.Result> run, string jsonPath)
    {
        /// <summary>The JSON report; fails when labtool did (exit 1: nothing answered at all).</summary>
        public Task<JsonElement> ResultAsync() => ReadAsync(nothingAnsweredIsAResult: false);

        /// <summary>Waits for the end and reads the report once (the file goes with it).</summary>
        protected async Task<JsonElement> ReadAsync(bool nothingAnsweredIsAResult)
        {
            var result = await run;
            // labtool's exit 1 means it ran but got no answer at all: a report all the same.
            if (result.ExitCode != 0 && !(nothingAnsweredIsAResult && result.ExitCode == 1 && File.Exists(jsonPath)))
                throw new LabException($"labtool failed: {result}");
            var json = JsonDocument.Parse(await File.ReadAllTextAsync(jsonPath)).RootElement.Clone();
            File.Delete(jsonPath);
            return json;
        }
    }

    /// <summary>A measurement whose report is also read into <typeparamref name="TReport"/>; read it once, either way.</summary>
    public sealed class Measurement<TReport>(Task<Sh.Result> run, string jsonPath, Func<JsonElement, TReport> parse) : Measurement(run, jsonPath)
    {
        /// <summary>The report, also when nothing answered at all (every request refused, say): that is what it says then.</summary>
        public async Task<TReport> ReportAsync() => parse(await ReadAsync(nothingAnsweredIsAResult: true));
    }
}
