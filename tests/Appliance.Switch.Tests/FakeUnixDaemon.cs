using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Switch.Tests;

/// <summary>
/// An Open vSwitch daemon's unix socket (OVSDB's, ovs-vswitchd's control socket) for tests: takes
/// one connection at a time, reads one request, and sends the pieces <see cref="Start"/>'s answer
/// gives for it, one send each; no pieces: says nothing until the client hangs up.
/// </summary>
internal sealed class FakeUnixDaemon : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Func<string, IReadOnlyList<byte[]>> _answer;
    private Task _serving = Task.CompletedTask;

    private FakeUnixDaemon(Func<string, IReadOnlyList<byte[]>> answer) => _answer = answer;

    /// <summary>The requests received so far, as text.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public static FakeUnixDaemon Start(string path, Func<string, IReadOnlyList<byte[]>> answer)
    {
        var fake = new FakeUnixDaemon(answer);
        fake._listener.Bind(new UnixDomainSocketEndPoint(path));
        fake._listener.Listen(4);
        fake._serving = fake.ServeAsync();
        return fake;
    }

    /// <summary>One answer, sent whole.</summary>
    public static FakeUnixDaemon Start(string path, Func<string, string> answer) => Start(path, request => [Encoding.UTF8.GetBytes(answer(request))]);

    private async Task ServeAsync()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            using var connection = await _listener.AcceptAsync(_stop.Token);
            try
            {
                await AnswerAsync(connection, buffer);
            }
            catch (SocketException)
            {
                // The client gave up (a bound it keeps): the next one is served all the same.
            }
        }
    }

    private async Task AnswerAsync(Socket connection, byte[] buffer)
    {
        var read = await connection.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
        var request = Encoding.UTF8.GetString(buffer, 0, read);
        _requests.Enqueue(request);
        var pieces = _answer(request);
        foreach (var piece in pieces)
        {
            await connection.SendAsync(piece, SocketFlags.None, _stop.Token);
            await Task.Delay(5, _stop.Token); // separate reads for the client
        }
        if (pieces.Count == 0)
        {
            while (await connection.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) > 0)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
