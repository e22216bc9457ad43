using System.Net.Sockets;
using System.Text;

namespace Appliance.Hosting;

/// <summary>
/// The sd_notify protocol (systemd <c>Type=notify</c>): one datagram per state change on the
/// socket systemd names in NOTIFY_SOCKET. Does nothing when not started by systemd.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;

    public SystemdNotifier()
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path)) return;
        // A leading '@' names an abstract socket.
        _endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (long.TryParse(usec, out var microseconds) && microseconds > 0) WatchdogInterval = TimeSpan.FromMicroseconds(microseconds);
    }

    /// <summary>The watchdog deadline systemd set (WatchdogSec=), or null when there is none.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    public void Status(string status) => Send($"STATUS={status}");

    public void Watchdog() => Send("WATCHDOG=1");

    public void Stopping() => Send("STOPPING=1");

    private void Send(string message)
    {
        if (_socket is null) return;
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endpoint!);
        }
        catch (SocketException)
        {
            // systemd went away (e.g. a test harness closed the socket); nothing to tell anymore.
        }
    }

    public void Dispose() => _socket?.Dispose();
}
