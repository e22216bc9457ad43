using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Appliance.LabKit;

/// <summary>The real <c>appliance</c> executable, run as its own process the way systemd runs it.</summary>
public sealed class Firmware : IDisposable
{
    /// <summary>The firmware next to the calling program: test and bench projects reference the appliance project.</summary>
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "appliance.dll");

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _lock = new();
    // The event history outlives a restart within a lab (events.jsonl beside the config): what
    // happened before this firmware was launched is an earlier one's.
    private readonly DateTimeOffset _launched;
    private Uri? _api;

    private Firmware(Process process, DateTimeOffset launched)
    {
        _process = process;
        _launched = launched;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Log
    {
        get
        {
            lock (_lock) return _log.ToString();
        }
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static Firmware Start(string configPath, params string[] args) => Launch(configPath, ["run", "--config", configPath, .. args]);

    /// <summary>Starts another long-running verb of the executable, e.g. <c>fault</c>.</summary>
    public static Firmware StartVerb(string verb, string configPath) => Launch(configPath, [verb, "--config", configPath]);

    private static Firmware Launch(string configPath, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", [Dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Tests kill the firmware with SIGKILL; its diagnostic socket in /tmp would outlive it.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        // operator.json beside the config (a lab's own folder), not in this machine's /var/lib/appliance:
        // a drain left by one test must not reach the next lab, while a restart within a lab keeps it.
        start.Environment["STATE_DIRECTORY"] = Path.GetDirectoryName(Path.GetFullPath(configPath));
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var launched = DateTimeOffset.UtcNow;
        return new Firmware(Process.Start(start)!, launched);
    }

    /// <summary>Runs a short verb (check, status, …) to its end.</summary>
    public static Sh.Result Run(params string[] args) => Sh.Run("dotnet", [Dll, .. args]);

    /// <summary>
    /// Starts the firmware and hands it the lab's switch; returns when the firmware says it has
    /// adopted and programmed the switch, and fails, saying why, when it does not in time.
    /// </summary>
    public static Firmware StartOn(Lab lab, string configPath) => StartOn(lab, configPath, new Dictionary<string, string>());

    /// <summary>As <see cref="StartOn(Lab, string)"/>, with more environment variables (e.g. the update component's paths, docs/cli.md).</summary>
    public static Firmware StartOn(Lab lab, string configPath, IReadOnlyDictionary<string, string> environment)
    {
        var firmware = Launch(configPath, ["run", "--config", configPath], environment);
        try
        {
            lab.Attach(firmware);
            firmware._api = new Uri($"http://{lab.Plan.Api}/");
            return firmware;
        }
        catch
        {
            firmware.Dispose();
            throw;
        }
    }

    /// <summary>GET /api/status of a firmware started with <see cref="StartOn"/>: what the operator sees.</summary>
    public JsonElement Status()
    {
        if (_api is null) throw new InvalidOperationException("the firmware's API is known once it is started on a lab (StartOn)");
        using var http = new HttpClient { BaseAddress = _api, Timeout = TimeSpan.FromSeconds(2) };
        return JsonDocument.Parse(http.GetStringAsync("api/status").GetAwaiter().GetResult()).RootElement.Clone();
    }

    /// <summary>The events of GET /api/status since this firmware was launched, newest first: their kind and message.</summary>
    public IReadOnlyList<(string Kind, string Message)> Events() =>
        [.. OwnEvents(Status()).Select(e => (e.GetProperty("kind").GetString() ?? "", e.GetProperty("message").GetString() ?? ""))];

    private IEnumerable<JsonElement> OwnEvents(JsonElement status) =>
        status.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("time").GetDateTimeOffset() >= _launched);

    /// <summary>GET /metrics: the Prometheus text.</summary>
    public string Metrics()
    {
        if (_api is null) throw new InvalidOperationException("the firmware's API is known once it is started on a lab (StartOn)");
        using var http = new HttpClient { BaseAddress = _api, Timeout = TimeSpan.FromSeconds(2) };
        return http.GetStringAsync("metrics").GetAwaiter().GetResult();
    }

    /// <summary>
    /// Waits until the firmware's event list (GET /api/status) holds <paramref name="occurrences"/> events whose
    /// message contains <paramref name="text"/>, among those since this firmware was launched.
    /// </summary>
    public void WaitForEvent(string text, TimeSpan timeout, int occurrences = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        string[] messages = [];
        string? error = null;
        while (true)
        {
            if (_process.HasExited) throw new LabException($"the firmware exited ({_process.ExitCode}) before reporting \"{text}\":\n{LogTail(20)}");
            try
            {
                messages = [.. OwnEvents(Status()).Select(e => e.GetProperty("message").GetString() ?? "")];
                error = null;
                if (messages.Count(m => m.Contains(text, StringComparison.Ordinal)) >= occurrences) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                error = e.Message;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new LabException($"the firmware did not report \"{text}\" within {timeout.TotalSeconds} s (GET {_api}api/status, events)" +
                    $"\n  events, newest first: {(messages.Length == 0 ? "none" : string.Join(" | ", messages))}" +
                    (error is null ? "" : $"\n  last error: {error}") + $"\n  the firmware's output, last lines:\n{LogTail(20)}");
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// Waits until the firmware has printed a line containing <paramref name="text"/>: for tests about what it
    /// prints (the simulated panel, a log message), never for readiness, which the API tells.
    /// </summary>
    public void WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited && !Log.Contains(text, StringComparison.Ordinal)) throw new LabException($"the firmware exited ({_process.ExitCode}) before printing \"{text}\":\n{LogTail(20)}");
            if (DateTime.UtcNow > deadline) throw new LabException($"the firmware did not print \"{text}\" within {timeout.TotalSeconds} s:\n{LogTail(20)}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Waits for the firmware to end by itself; returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new LabException($"the firmware did not exit within {timeout.TotalSeconds} s:\n{Log}");
        _process.WaitForExit(); // the output, to its end
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the firmware gets no chance to clean anything up.</summary>
    public void Kill9()
    {
        Sh.Check("kill", "-9", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _process.WaitForExit();
    }

    /// <summary>kill -9, then a new firmware started on the lab with <paramref name="configPath"/> (<see cref="StartOn"/>).</summary>
    public Firmware RestartOn(Lab lab, string configPath)
    {
        Kill9();
        Dispose();
        return StartOn(lab, configPath);
    }

    /// <summary>SIGTERM, as systemd stops it; returns the exit code.</summary>
    public int Terminate()
    {
        Sh.Check("kill", "-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) throw new LabException($"the firmware did not stop on SIGTERM:\n{Log}");
        return _process.ExitCode;
    }

    /// <summary>The last lines of the firmware's output, indented, for failure messages.</summary>
    public string LogTail(int lines)
    {
        var all = Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.TakeLast(lines).Select(l => "    " + l.TrimEnd('\r')));
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_lock) _log.AppendLine(line);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
