using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Health;

/// <summary>
/// <c>http</c>: <c>GET path HTTP/1.1</c> on a fresh connection, healthy on any 2xx or 3xx status.
/// </summary>
/// <remarks>
/// A small client over a raw socket rather than HttpClient: every probe must open its own
/// connection (a pooled one would hide a server that stopped accepting), only the status line
/// matters, and the cost per probe has to stay tiny at 50 probes a second per server.
/// </remarks>
public sealed class HttpProbe : IHealthProbe
{
    /// <summary>The status line must fit in this; nginx's is about 17 bytes.</summary>
    internal const int MaxStatusLine = 512;

    private readonly IPAddress? _source;
    private readonly int _port;
    private readonly string _path;
    private readonly ConcurrentDictionary<IPAddress, byte[]> _requests = new();

    /// <param name="source">Address to leave from (the management address); null lets routing choose.</param>
    /// <param name="path">Request target, starting with '/'.</param>
    public HttpProbe(IPAddress? source, int port, string path)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0 || path[0] != '/' || path.Any(c => c <= ' ' || c >= 0x7f))
        {
            throw new ArgumentException($"the HTTP probe path must start with '/' and hold no spaces or control characters: \"{path}\"", nameof(path));
        }
        _source = source;
        _port = port;
        _path = path;
    }

    public ProbeKind Kind => ProbeKind.Http;

    public async ValueTask<ProbeOutcome> ProbeAsync(ServerTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        long started = Stopwatch.GetTimestamp();
        var (opened, failure) = await ProbeConnection.OpenAsync(_source, new IPEndPoint(target.Address, _port), cancellationToken).ConfigureAwait(false);
        if (opened is not { } socket) return ProbeOutcome.Failure(failure!, Stopwatch.GetElapsedTime(started));
        using (socket)
        {

            byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxStatusLine);
            try
            {
                var (status, answerFailure) = await ExchangeAsync(socket, RequestFor(target.Address), buffer.AsMemory(0, MaxStatusLine), cancellationToken).ConfigureAwait(false);
                var latency = Stopwatch.GetElapsedTime(started);
                if (answerFailure is not null) return ProbeOutcome.Failure(answerFailure, latency);
                return status is >= 200 and < 400
                    ? ProbeOutcome.Success(HttpStatusLine.Detail(status), latency)
                    : ProbeOutcome.Failure(HttpStatusLine.Detail(status), latency);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Sends the request and reads up to the end of the status line: the status, or what went wrong.</summary>
    private static async ValueTask<(int Status, string? Failure)> ExchangeAsync(Socket socket, byte[] request, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            int filled = 0;
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer[filled..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return (0, filled == 0 ? "connection closed without response" : "connection closed in the status line");
                }
                filled += read;
                var received = buffer.Span[..filled];
                int end = received.IndexOf((byte)'\n');
                if (end >= 0)
                {
                    return HttpStatusLine.TryParse(received[..end], out int status)
                        ? (status, null)
                        : (0, "malformed HTTP status line");
                }
                if (filled == buffer.Length) return (0, "malformed HTTP status line");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (0, ProbeDetails.TimeoutAfterConnect);
        }
        catch (SocketException) when (cancellationToken.IsCancellationRequested)
        {
            return (0, ProbeDetails.TimeoutAfterConnect);
        }
        catch (SocketException e)
        {
            return (0, ProbeConnection.Describe(e));
        }
    }

    private byte[] RequestFor(IPAddress address) => _requests.GetOrAdd(address, static (a, self) => self.BuildRequest(a), this);

    private byte[] BuildRequest(IPAddress address)
    {
        string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        if (_port != 80) host += ":" + _port.ToString(CultureInfo.InvariantCulture);
        // Connection: close makes the server end the exchange; the probe never reuses a connection.
        return Encoding.ASCII.GetBytes(
            $"GET {_path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: appliance-health\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The first line of an HTTP/1.x response: "HTTP/1.1 200 OK".</summary>
internal static class HttpStatusLine
{
    /// <summary>Reads the status code; the reason phrase is ignored and may be absent.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out int status)
    {
        status = 0;
        if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
        // "HTTP/" DIGIT "." DIGIT SP 3DIGIT [SP reason]
        if (line.Length < 12 || !line.StartsWith("HTTP/"u8) || !IsDigit(line[5]) || line[6] != '.' || !IsDigit(line[7]) || line[8] != ' ')
        {
            return false;
        }
        if (!IsDigit(line[9]) || !IsDigit(line[10]) || !IsDigit(line[11]) || (line.Length > 12 && line[12] != ' '))
        {
            return false;
        }
        status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        return status >= 100;
    }

    /// <summary>"HTTP 200". The usual answers are constants: 100 probes a second should not format a string each.</summary>
    public static string Detail(int status) => status switch
    {
        200 => "HTTP 200",
        204 => "HTTP 204",
        301 => "HTTP 301",
        302 => "HTTP 302",
        304 => "HTTP 304",
        404 => "HTTP 404",
        500 => "HTTP 500",
        502 => "HTTP 502",
        503 => "HTTP 503",
        504 => "HTTP 504",
        _ => "HTTP " + status.ToString(CultureInfo.InvariantCulture),
    };

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
