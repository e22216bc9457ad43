using System.Globalization;

namespace Appliance.LabKit;

/// <summary>Programs a test runs in a lab host for a while: labtool's misbehaving servers, or any command.</summary>
public sealed partial class Lab
{
    /// <summary>
    /// Starts <paramref name="command"/> in <paramref name="host"/>'s namespace and returns once it has printed
    /// <paramref name="ready"/> (within 10 s). Dispose the result to end it; <c>down</c> ends it too.
    /// </summary>
    public LabProcess Start(string host, string ready, params string[] command)
    {
        var process = LabProcess.Start(Tool, ["exec", "--name", Name, host, .. command], $"{host}: {string.Join(' ', command)}");
        try
        {
            process.WaitForOutput(ready, TimeSpan.FromSeconds(10));
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// labtool http-abort on <paramref name="server"/>'s <paramref name="port"/>: an application that reads each
    /// request head and resets the connection without an answer (<paramref name="partial"/>: after the status line
    /// and part of the headers). To take over nginx's port 80, <c>Fault("kill", server)</c> first.
    /// </summary>
    public LabProcess StartHttpAbort(string server, int port, bool partial = false)
    {
        string[] command = [LabTool, "http-abort", "--port", port.ToString(CultureInfo.InvariantCulture), "--name", server];
        return Start(server, "listening on", partial ? [.. command, "--partial"] : command);
    }

    /// <summary>
    /// labtool http-slow on <paramref name="server"/>'s <paramref name="port"/>: a busy server that listens with an
    /// accept queue of <paramref name="backlog"/>, and answers one connection at a time (200, X-Server) each
    /// <paramref name="delay"/> (default 500 ms) after its request: the kernel drops the SYNs it has no room for,
    /// so clients time out, and are never refused.
    /// </summary>
    public LabProcess StartHttpSlow(string server, int port, int backlog = 1, TimeSpan? delay = null) =>
        Start(server, "listening on", LabTool, "http-slow", "--port", port.ToString(CultureInfo.InvariantCulture), "--name", server,
            "--backlog", backlog.ToString(CultureInfo.InvariantCulture), "--delay", Ms(delay ?? TimeSpan.FromMilliseconds(500)));

    /// <summary>labtool forge in <paramref name="host"/>: forged frames as a spoofing host sends them (tools/LabTool/README.md); waits for the last.</summary>
    public string Forge(string host, params string[] arguments) => Sh.Check(Tool, ["exec", "--name", Name, host, LabTool, "forge", .. arguments]);
}
