using System.Text.Json;

namespace Appliance.Bench;

/// <summary>
/// A labtool instrument (udp-stream, http-loop) on the lab's client, started with <c>--live</c> so that
/// a benchmark knows when it is running and can wait for a switch it reports; its JSON report at the end.
/// </summary>
internal sealed class Instrument : IDisposable
{
    private readonly Background _process;
    private readonly string _json;

    private Instrument(Background process, string json)
    {
        _process = process;
        _json = json;
    }

    /// <summary>Starts labtool VERB ARGS and returns once it is measuring.</summary>
    public static async Task<Instrument> StartAsync(Lab lab, string verb, params string[] args)
    {
        var json = Path.Combine(lab.StateFolder, $"{verb}-{Guid.NewGuid():n}.json");
        var instrument = new Instrument(Background.InHost(lab, "client", [Host.LabTool, verb, .. args, "--live", "--json", json]), json);
        // A process takes a while to start on a busy machine (up to a second here): a fault timed from
        // the start call could come before the first datagram.
        if (!await instrument._process.WaitForAsync("as they happen", TimeSpan.FromSeconds(10)))
        {
            instrument.Dispose();
            throw new LabException($"labtool {verb} did not start:\n{instrument._process.Output}");
        }
        return instrument;
    }

    /// <inheritdoc cref="Background.WaitForAsync"/>
    public Task<bool> WaitForAsync(string text, TimeSpan timeout) => _process.WaitForAsync(text, timeout);

    /// <summary>
    /// Stops it (SIGTERM: it still writes its whole report) and returns the report. Not SIGINT: a bench
    /// started in the background of a shell script inherits SIGINT ignored, and so do the instruments.
    /// </summary>
    public Task<JsonElement> StopAsync()
    {
        _process.Signal("TERM");
        return EndAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>Waits for its end and returns its report.</summary>
    public async Task<JsonElement> EndAsync(TimeSpan timeout)
    {
        if (await _process.WaitExitAsync(timeout) != 0) throw new LabException($"{_process.What} failed:\n{_process.Output}");
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(_json));
        return doc.RootElement.Clone();
    }

    public void Dispose()
    {
        _process.Dispose();
        File.Delete(_json);
    }
}
