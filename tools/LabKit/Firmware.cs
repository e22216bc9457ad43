using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.LabKit;

/// <summary>The real <c>appliance</c> executable, run as its own process the way systemd runs it.</summary>
public sealed class Firmware : IDisposable
{
    /// <summary>The firmware next to the calling program: test and bench projects reference the appliance project.</summary>
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "appliance.dll");

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _lock = new();

    private Firmware(Process process)
    {
        _process = process;
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

    public static Firmware Start(string configPath, params string[] args) => Launch(["run", "--config", configPath, .. args]);

    /// <summary>Starts another long-running verb of the executable, e.g. <c>fault</c>.</summary>
    public static Firmware StartVerb(string verb, string configPath) => Launch([verb, "--config", configPath]);

    private static Firmware Launch(string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Tests kill the firmware with SIGKILL; its diagnostic socket in /tmp would outlive it.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        return new Firmware(Process.Start(start)!);
    }

    /// <summary>Runs a short verb (check, status, …) to its end.</summary>
    public static Sh.Result Run(params string[] args) => Sh.Run("dotnet", [Dll, .. args]);

    /// <summary>Starts the firmware and makes the lab's switch connect at once; returns when it has programmed or adopted the rules.</summary>
    public static Firmware StartOn(Lab lab, string configPath)
    {
        var firmware = Start(configPath);
        try
        {
            firmware.WaitForLog("OpenFlow channel listening", TimeSpan.FromSeconds(20));
            lab.Reconnect();
            firmware.WaitForLog(@"switch connected", TimeSpan.FromSeconds(20));
            return firmware;
        }
        catch
        {
            firmware.Dispose();
            throw;
        }
    }

    public void WaitForLog(string pattern, TimeSpan timeout, int occurrences = 1)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + timeout;
        while (regex.Matches(Log).Count < occurrences)
        {
            if (DateTime.UtcNow > deadline) throw new LabException($"the firmware did not log /{pattern}/ within {timeout.TotalSeconds} s:\n{Log}");
            if (_process.HasExited && regex.Matches(Log).Count < occurrences) throw new LabException($"the firmware exited ({_process.ExitCode}) before logging /{pattern}/:\n{Log}");
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

    /// <summary>SIGTERM, as systemd stops it; returns the exit code.</summary>
    public int Terminate()
    {
        Sh.Check("kill", "-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) throw new LabException($"the firmware did not stop on SIGTERM:\n{Log}");
        return _process.ExitCode;
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
