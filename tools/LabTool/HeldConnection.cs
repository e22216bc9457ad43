using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LabTool;

/// <summary>
/// One long-lived HTTP/1.1 connection of http-hold: a GET every interval, one request at a time, on
/// the same TCP connection for as long as it lives. Records which server answered (X-Server), every
/// gap between answers, and how the connection ended: still open at the stop, reset by the network
/// or a server (RST), closed by the server (FIN) without having announced it, or ended by the server
/// with "Connection: close" (a server-side keep-alive limit, not a failure of the path).
/// </summary>
sealed class HeldConnection(int id, IPEndPoint target, byte[] request, long intervalTicks, long stallTicks)
{
    public int Id => id;
    public int LocalPort { get; private set; }
    public string? Server { get; private set; }
    public List<string> OtherServers { get; } = [];
    public long Answers { get; private set; }
    public long BadStatus { get; private set; }

    /// <summary>connecting, open, reset, closed, ended, refused, connect-timeout, unreachable or another socket error.</summary>
    public string Outcome { get; private set; } = "connecting";
    public long OutcomeAt { get; private set; }
    public string? Detail { get; private set; }

    public long ConnectedAt { get; private set; }
    public long LastAnswerAt { get; private set; }
    public long LongestGap { get; private set; }
    public long LongestGapFrom { get; private set; }
    public long LongestGapTo { get; private set; }

    /// <summary>Gaps between answers longer than the stall threshold.</summary>
    public int Stalls { get; private set; }

    public bool Answered => Answers > 0;

    /// <summary>Completes at the first answer or when the connection fails before it.</summary>
    public Task FirstAnswer => _first.Task;

    readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly byte[] _buffer = new byte[8192];

    public async Task RunAsync(TimeSpan connectTimeout, Action<HeldConnection> onEnd, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                connect.CancelAfter(connectTimeout);
                try
                {
                    await socket.ConnectAsync(target, connect.Token);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    End("connect-timeout", Stopwatch.GetTimestamp(), null);
                    return;
                }
            }
            LocalPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
            ConnectedAt = LastAnswerAt = Stopwatch.GetTimestamp();
            Outcome = "open";
            long due = ConnectedAt;
            while (true)
            {
                long wait = due - Stopwatch.GetTimestamp();
                if (wait > 0) await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency), stop);
                await socket.SendAsync(request, SocketFlags.None, stop);
                var (status, server, closing) = await ReadResponseAsync(socket, stop);
                long at = Stopwatch.GetTimestamp();
                if (status is >= 200 and < 400) Answer(server, at);
                else BadStatus++;
                if (closing)
                {
                    End("ended", at, "the server sent Connection: close");
                    return;
                }
                // The next request is due one interval after the previous was due; after a stall it
                // goes at once, without a burst to catch up.
                due = Math.Max(due + intervalTicks, at);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped: still open (or never connected). The gap from the last answer to the stop is
            // measured by Finish.
        }
        catch (SocketException e)
        {
            End(Classify(e.SocketErrorCode, Outcome == "connecting"), Stopwatch.GetTimestamp(), e.SocketErrorCode.ToString());
        }
        catch (ConnectionClosedException)
        {
            End("closed", Stopwatch.GetTimestamp(), "the server closed the connection (FIN) without Connection: close");
        }
        catch (InvalidDataException e)
        {
            End("error", Stopwatch.GetTimestamp(), e.Message);
        }
        finally
        {
            _first.TrySetResult();
            if (Outcome != "open" && Outcome != "connecting") onEnd(this);
        }
    }

    /// <summary>At the stop: the stretch from the last answer to now counts as a gap of an open connection.</summary>
    public void Finish(long stoppedAt)
    {
        if (Outcome == "open") Gap(LastAnswerAt, stoppedAt);
    }

    void Answer(string server, long at)
    {
        if (Server is null) Server = server;
        else if (server != Server && !OtherServers.Contains(server)) OtherServers.Add(server);
        Gap(LastAnswerAt, at);
        LastAnswerAt = at;
        Answers++;
        _first.TrySetResult();
    }

    void Gap(long from, long to)
    {
        long gap = to - from;
        if (gap > stallTicks) Stalls++;
        if (gap <= LongestGap) return;
        LongestGap = gap;
        LongestGapFrom = from;
        LongestGapTo = to;
    }

    void End(string outcome, long at, string? detail)
    {
        // A connection that ends without warning waited from its last answer until it learnt so.
        if (ConnectedAt != 0 && outcome != "ended") Gap(LastAnswerAt, at);
        Outcome = outcome;
        OutcomeAt = at;
        Detail = detail;
    }

    static string Classify(SocketError error, bool connecting) => error switch
    {
        SocketError.ConnectionRefused => "refused",
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => "reset",
        SocketError.TimedOut => connecting ? "connect-timeout" : "timeout",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Reads one response: the status, X-Server, and whether the server will close the connection.
    /// Only what the lab's nginx sends is understood (a Content-Length body); anything else is an
    /// error rather than a guess, since one request is in flight at a time and nothing may be left over.
    /// </summary>
    async Task<(int Status, string Server, bool Closing)> ReadResponseAsync(Socket socket, CancellationToken stop)
    {
        int filled = 0, headerEnd;
        while ((headerEnd = HeaderEnd(filled)) < 0)
        {
            if (filled == _buffer.Length) throw new InvalidDataException("response header larger than 8 KiB");
            filled += await ReceiveAsync(socket, filled, stop);
        }
        var head = Encoding.ASCII.GetString(_buffer, 0, headerEnd);
        var lines = head.Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusParts[1], out int status))
            throw new InvalidDataException($"not an HTTP/1.x status line: '{lines[0]}'");
        long length = -1;
        string server = "?";
        bool closing = statusParts[0] == "HTTP/1.0";
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) length = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            else if (name.Equals("X-Server", StringComparison.OrdinalIgnoreCase) && value.Length > 0) server = value;
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) closing = value.Equals("close", StringComparison.OrdinalIgnoreCase);
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) throw new InvalidDataException($"Transfer-Encoding {value} is not supported");
        }
        if (length < 0) throw new InvalidDataException("response without Content-Length");
        long total = headerEnd + 4 + length;
        if (total > _buffer.Length) throw new InvalidDataException($"response of {total} bytes is larger than 8 KiB");
        while (filled < total) filled += await ReceiveAsync(socket, filled, stop);
        if (filled > total) throw new InvalidDataException("bytes after the response, which nobody asked for");
        return (status, server, closing);
    }

    async Task<int> ReceiveAsync(Socket socket, int offset, CancellationToken stop)
    {
        int n = await socket.ReceiveAsync(_buffer.AsMemory(offset), SocketFlags.None, stop);
        return n > 0 ? n : throw new ConnectionClosedException();
    }

    int HeaderEnd(int filled) => _buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);

    sealed class ConnectionClosedException : Exception;
}
