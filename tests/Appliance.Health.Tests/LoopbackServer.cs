using System.Collections.Concurrent;
using System.Text;

namespace Appliance.Health.Tests;

/// <summary>What a <see cref="LoopbackServer"/> does with each connection.</summary>
internal enum ServerBehaviour
{
    /// <summary>Accepts and answers the request with the configured status after the configured delay.</summary>
    Answer,
    /// <summary>Accepts and reads, never answers (a hung service).</summary>
    Silent,
    /// <summary>Accepts and closes at once.</summary>
    CloseAtOnce,
    /// <summary>Answers something that is not HTTP.</summary>
    Garbage,
}

/// <summary>A TCP server on 127.0.0.1 that behaves as a test asks, and remembers what it saw.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentBag<Socket> _open = [];

    public LoopbackServer(ServerBehaviour behaviour, int status = 200, TimeSpan delay = default)
    {
        Behaviour = behaviour;
        Status = status;
        Delay = delay;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public ServerBehaviour Behaviour { get; }

    public int Status { get; }

    public TimeSpan Delay { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted => _accepted;

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<IPEndPoint> Peers { get; } = new();

    private int _accepted;

    /// <summary>A port on 127.0.0.1 where nothing listens: connecting is refused.</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            Peers.Enqueue((IPEndPoint)socket.RemoteEndPoint!);
            _open.Add(socket);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            if (Behaviour == ServerBehaviour.CloseAtOnce)
            {
                socket.Close();
                return;
            }
            var request = new StringBuilder();
            var buffer = new byte[4096];
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0) return;
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            Requests.Enqueue(request.ToString());
            switch (Behaviour)
            {
                case ServerBehaviour.Silent:
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    break;
                case ServerBehaviour.Garbage:
                    await socket.SendAsync(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2\r\n"), SocketFlags.None);
                    break;
                default:
                    if (Delay > TimeSpan.Zero) await Task.Delay(Delay, _stop.Token);
                    var body = "ok\n";
                    await socket.SendAsync(Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 {Status} Whatever\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), SocketFlags.None);
                    break;
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // The probe closes with RST; whatever happens to this end does not matter.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var socket in _open) socket.Dispose();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
        }
        _stop.Dispose();
    }
}
