using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Health;

/// <summary>
/// <c>tcp</c>: the server accepts a connection on the service port. Healthy when the handshake
/// completes; a refusal fails at once. The connection is closed straight away.
/// </summary>
/// <remarks>
/// A frozen server still completes handshakes in its kernel until the listen backlog fills, so
/// this probe sees a hung service late (http sees it at once).
/// </remarks>
public sealed class TcpProbe : IHealthProbe
{
    private readonly IPAddress? _source;
    private readonly int _port;

    /// <param name="source">Address to leave from (the management address); null lets routing choose.</param>
    public TcpProbe(IPAddress? source, int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        _source = source;
        _port = port;
    }

    public ProbeKind Kind => ProbeKind.Tcp;

    public async ValueTask<ProbeOutcome> ProbeAsync(ServerTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        long started = Stopwatch.GetTimestamp();
        var (socket, failure) = await ProbeConnection.OpenAsync(_source, new IPEndPoint(target.Address, _port), cancellationToken).ConfigureAwait(false);
        socket?.Dispose();
        var latency = Stopwatch.GetElapsedTime(started);
        return failure is null ? ProbeOutcome.Success(ProbeDetails.Connected, latency) : ProbeOutcome.Failure(failure, latency);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
