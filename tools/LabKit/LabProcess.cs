using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Appliance.LabKit;

/// <summary>
/// A program a test runs in a lab host for a while (<see cref="Lab.Start"/>), e.g. a misbehaving server: its output
/// is collected as it comes. <see cref="Stop"/> ends it with SIGTERM; Dispose kills it if it still runs, and the
/// lab's <c>down</c> ends whatever runs in its namespaces, so nothing outlives a failed test.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    private LabProcess(Process process, string what)
    {
        _process = process;
        What = what;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The command line, for messages.</summary>
    public string What { get; }

    /// <summary>The program's own pid: <c>tools/lab exec</c> and <c>ip netns exec</c> exec in place.</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_lock) return _output.ToString();
        }
    }

    internal static LabProcess Start(string file, string[] args, string what)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Sh.RepositoryRoot,
        };
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin";
        // What the tests start, they may kill; a killed .NET process leaves its diagnostic socket in /tmp.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        process.StandardInput.Close();
        return new LabProcess(process, what);
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails, with the output, when the program exits or the time is up first.</summary>
    public void WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the output, to its end
                if (Output.Contains(text, StringComparison.Ordinal)) return;
                throw new LabException($"{What} exited ({_process.ExitCode}) before printing \"{text}\":\n{Output}");
            }
            if (DateTime.UtcNow > deadline) throw new LabException($"{What} did not print \"{text}\" within {timeout.TotalSeconds} s:\n{Output}");
            Thread.Sleep(20);
        }
    }

    /// <summary>SIGTERM, and SIGKILL when it has not ended within <paramref name="grace"/>; returns the exit code.</summary>
    public int Stop(TimeSpan grace)
    {
        if (!_process.HasExited) Sh.Try("kill", "-TERM", Pid.ToString(CultureInfo.InvariantCulture));
        if (!_process.WaitForExit(grace))
        {
            Kill();
            throw new LabException($"{What} did not stop on SIGTERM within {grace.TotalSeconds} s:\n{Output}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
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
        Kill();
        _process.Dispose();
    }
}
