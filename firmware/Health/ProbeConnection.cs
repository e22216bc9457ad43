using System.Net;
using System.Net.Sockets;

namespace Appliance.Health;

/// <summary>The TCP connection the tcp and http probes open, fresh for every probe.</summary>
internal static class ProbeConnection
{
    // IP_BIND_ADDRESS_NO_PORT (linux/in.h): bind() to the source address now, but pick the port
    // at connect(), so ports are shared across destinations instead of reserved per bind.
    private const int SolIp = 0;
    private const int IpBindAddressNoPort = 24;

    /// <summary>
    /// A TCP socket bound to <paramref name="source"/> (when given), so that probes leave from the
    /// management address whatever the routing table says.
    /// </summary>
    public static Socket Create(IPAddress? source, AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No TCP_NODELAY: the request is one write on a fresh connection, which Nagle never holds back.
            // Close with RST, not FIN: at 100 probes a second an orderly close would leave
            // thousands of sockets in TIME_WAIT on the appliance, each holding a port.
            socket.LingerState = new LingerOption(true, 0);
            if (source is not null)
            {
                socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, BitConverter.GetBytes(1));
                socket.Bind(new IPEndPoint(source, 0));
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a connection; null when it was made, otherwise the failure's detail. A refusal (RST)
    /// comes back as soon as the kernel sees it; silence lasts until the token fires.
    /// </summary>
    /// <summary>
    /// A fresh connection from <paramref name="source"/> to <paramref name="remote"/>: the socket, or
    /// null and why not (refused, unreachable, timeout) when there is none.
    /// </summary>
    public static async ValueTask<(Socket? Socket, string? Failure)> OpenAsync(IPAddress? source, IPEndPoint remote, CancellationToken cancellationToken)
    {
        Socket socket;
        try
        {
            socket = Create(source, remote.AddressFamily);
        }
        catch (SocketException e)
        {
            return (null, Describe(e));
        }
        var failure = await ConnectAsync(socket, remote, cancellationToken).ConfigureAwait(false);
        if (failure is null) return (socket, null);
        socket.Dispose();
        return (null, failure);
    }

    public static async ValueTask<string?> ConnectAsync(Socket socket, IPEndPoint remote, CancellationToken cancellationToken)
    {
        try
        {
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ProbeDetails.Timeout;
        }
        catch (SocketException) when (cancellationToken.IsCancellationRequested)
        {
            return ProbeDetails.Timeout;
        }
        catch (SocketException e)
        {
            return Describe(e);
        }
    }

    /// <summary>Short words for a socket failure, as the event log shows them.</summary>
    public static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => ProbeDetails.ConnectionRefused,
        SocketError.ConnectionReset => ProbeDetails.ConnectionReset,
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.HostDown => "host down",
        SocketError.NetworkDown => "network down",
        SocketError.TimedOut => ProbeDetails.Timeout,
        SocketError.AddressNotAvailable => "source address not available (is the management address configured?)",
        _ => e.Message.ToLowerInvariant(),
    };
}
