using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Appliance.Bench;

/// <summary>
/// A process a benchmark starts and must stop: an instrument (labtool, iperf) or a peer (keepalived)
/// inside a lab namespace. Its output is collected as it comes, so a benchmark can wait for a line
/// (e.g. labtool's live "master -> slave"). Dispose kills it if it is still running; benchmarks keep
/// every one in a list that a finally disposes, so nothing outlives a failed run.
/// </summary>
internal sealed class Background : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    private Background(Process process, string what)
    {
        _process = process;
        What = what;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string What { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_lock) return _output.ToString();
        }
    }

    /// <summary>Starts FILE ARGS with stdin closed. <c>ip netns exec</c>, <c>chrt</c> and <c>stdbuf</c> exec in place, so the pid is the program's own.</summary>
    public static Background Start(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Sh.RepositoryRoot,
        };
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        return new Background(process, $"{file} {string.Join(' ', args)}");
    }

    /// <summary>Starts a command in a lab host's namespace (<c>ip netns exec</c>).</summary>
    public static Background InHost(Lab lab, string host, params string[] command) =>
        Start("ip", ["netns", "exec", lab.Host(host).Namespace, .. command]);

    /// <summary>Waits until the output contains <paramref name="text"/> (returns true) or the time is up (false).</summary>
    public async Task<bool> WaitForAsync(string text, TimeSpan timeout, int occurrences = 1)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (Count(Output, text) >= occurrences) return true;
            if (Stopwatch.GetTimestamp() > deadline || _process.HasExited) return Count(Output, text) >= occurrences;
            await Task.Delay(5);
        }
    }

    private static int Count(string haystack, string needle)
    {
        var n = 0;
        for (var i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Sends a signal (INT, TERM, KILL, CONT) to the process itself.</summary>
    public void Signal(string signal)
    {
        if (!_process.HasExited) Sh.Try("kill", $"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Waits for the end; kills the process when it does not end in time. Returns the exit code.</summary>
    public async Task<int> WaitExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{What} did not end within {timeout.TotalSeconds} s:\n{Output}");
        }
        // The asynchronous readers may still hold the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; a stopped (frozen) process is continued first.</summary>
    public void Stop(TimeSpan grace)
    {
        if (_process.HasExited) return;
        Signal("CONT");
        Signal("TERM");
        if (!_process.WaitForExit(grace)) Kill();
    }

    private void Kill()
    {
        if (_process.HasExited) return;
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_lock) _output.AppendLine(line);
    }

    public void Dispose()
    {
        // Twice is harmless: a failed stop disposes it, and the caller's clean-up again.
        if (_disposed) return;
        _disposed = true;
        Kill();
        _process.Dispose();
    }

    private bool _disposed;
}

/// <summary>Things every benchmark's report says about where and when it ran.</summary>
internal static class Host
{
    /// <summary>The 1, 5 and 15 minute load averages, as <c>uptime</c> shows them.</summary>
    public static string Load() => string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    public static string LabTool => Path.Combine(Sh.RepositoryRoot, "artifacts/labtool/labtool");

    public static string LabScript => Path.Combine(Sh.RepositoryRoot, "tools/lab");

    public static string Ms(double value) => Stats.F(value, "0.0");

    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
