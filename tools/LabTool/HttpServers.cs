using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace LabTool;

/// <summary>
/// What http-abort and http-slow share: the listening socket, reading a request head, the answer the
/// lab's nginx gives (200 with X-Server: NAME, which http-loop and http-hold read) and stopping on
/// SIGINT/SIGTERM.
/// </summary>
static class HttpServers
{
    const int MaxHead = 16 * 1024;
    static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    /// <summary>--port, --bind and --name, checked.</summary>
    public static (IPEndPoint Local, string Name) Common(Options o)
    {
        int port = o.Int("port", 0, 1, 65535);
        if (port == 0) throw new UsageException("--port is required");
        var bind = o.Get("bind") ?? "0.0.0.0";
        if (!IPAddress.TryParse(bind, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            throw new UsageException($"--bind: want an IPv4 address, not '{bind}'");
        string name = o.Require("name");
        if (name.Length is 0 or > 64 || name.Any(c => c < 0x21 || c > 0x7e))
            throw new UsageException("--name must be 1-64 printable ASCII characters without spaces");
        return (new IPEndPoint(address, port), name);
    }

    public static Socket Listen(IPEndPoint local, int backlog)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(local);
            listener.Listen(backlog);
            return listener;
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new UsageException($"cannot listen on {local}: {e.Message}");
        }
    }

    /// <summary>Cancelled by SIGINT or SIGTERM; dispose the registrations with the source.</summary>
    public static (CancellationTokenSource Stop, IDisposable[] Signals) StopOnSignal()
    {
        var stop = new CancellationTokenSource();
        IDisposable[] signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); }),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); }),
        ];
        return (stop, signals);
    }

    /// <summary>
    /// Reads until the blank line that ends a request head; false when the client closed, reset or sent
    /// more than 16 KiB without one, or <paramref name="token"/> ended the wait.
    /// </summary>
    public static async Task<bool> ReadHeadAsync(Socket socket, CancellationToken token)
    {
        var buffer = new byte[MaxHead];
        int have = 0;
        try
        {
            while (have < buffer.Length)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, token);
                if (n == 0) return false;
                int from = Math.Max(0, have - 3);
                have += n;
                if (buffer.AsSpan(from, have - from).IndexOf(EndOfHead) >= 0) return true;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
        return false;
    }

    /// <summary>The lab nginx's kind of answer: 200, X-Server: NAME, a one-line body, and the connection closed.</summary>
    public static byte[] Answer(string name)
    {
        var body = $"ok {name}\n";
        return Encoding.ASCII.GetBytes(
            $"HTTP/1.1 200 OK\r\nServer: labtool\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n" +
            $"Connection: close\r\nX-Server: {name}\r\n\r\n{body}");
    }

    /// <summary>Closes with a reset instead of a FIN (SO_LINGER on, 0 s): whatever was not delivered is dropped.</summary>
    public static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer: closing is all that is left.
        }
        socket.Dispose();
    }
}
