using System.Net.Sockets;
using System.Text.Json;

namespace Appliance.Switch;

/// <summary>
/// One request and its reply over an Open vSwitch daemon's unix socket, where OVSDB and
/// ovs-vswitchd's control socket both speak JSON-RPC 1.0 with no framing but the JSON values
/// themselves. The wait is bounded in time and the reply in size: a stuck or babbling daemon
/// costs at most that.
/// </summary>
internal static class JsonRpcSocket
{
    /// <param name="peer">The daemon as messages name it: <c>OVSDB</c>, <c>ovs-vswitchd</c>.</param>
    /// <param name="fail">Makes the caller's own exception from a reason.</param>
    /// <returns>The bytes of the first whole JSON value the daemon sent.</returns>
    public static async Task<byte[]> ExchangeAsync(string socketPath, byte[] request, string peer, int maxReplyBytes, TimeSpan timeout,
        Func<string, Exception> fail, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(request, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            return await ReceiveReplyAsync(socket, peer, maxReplyBytes, fail, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw fail($"{peer} at {socketPath} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            throw fail($"cannot reach {peer} at {socketPath}: {e.Message}");
        }
    }

    /// <summary>Reads until one whole JSON value has arrived.</summary>
    private static async Task<byte[]> ReceiveReplyAsync(Socket socket, string peer, int maxReplyBytes, Func<string, Exception> fail, CancellationToken cancellation)
    {
        var buffer = new byte[maxReplyBytes];
        var filled = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellation).ConfigureAwait(false);
            if (read == 0) throw fail($"{peer} closed the connection without answering");
            filled += read;
            if (CompleteValueLength(buffer.AsSpan(0, filled), peer, fail) is { } length) return buffer[..length];
            if (filled == buffer.Length) throw fail($"{peer}'s answer is longer than {maxReplyBytes} bytes");
        }
    }

    private static int? CompleteValueLength(ReadOnlySpan<byte> bytes, string peer, Func<string, Exception> fail)
    {
        var reader = new Utf8JsonReader(bytes, isFinalBlock: false, state: default);
        try
        {
            return reader.Read() && reader.TrySkip() ? (int)reader.BytesConsumed : null;
        }
        catch (JsonException e)
        {
            throw fail($"{peer}'s answer is not JSON: {e.Message}");
        }
    }
}
