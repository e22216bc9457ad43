using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Health;

/// <summary>
/// <c>icmp</c>: an echo request to the server, healthy on the matching echo reply. An ICMP error
/// that quotes the request (host or port unreachable, time exceeded) fails the probe at once.
/// </summary>
/// <remarks>
/// One raw ICMP socket serves every probe: a raw socket sees every ICMP packet the host receives,
/// so one receive loop sorts replies to waiting probes by sequence number, instead of each
/// overlapping probe reading (and discarding) everyone's packets. The identifier is random per
/// instance so that other programs' pings are ignored.
/// </remarks>
public sealed partial class IcmpProbe : IHealthProbe
{
    // SOL_RAW / ICMP_FILTER (linux/icmp.h): a mask of the ICMP types the kernel must NOT deliver.
    private const int SolRaw = 255;
    private const int IcmpFilter = 1;
    private const uint Wanted = (1u << IcmpPacket.EchoReply) | (1u << IcmpPacket.DestinationUnreachable) | (1u << IcmpPacket.TimeExceeded);

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly ushort _identifier;
    private readonly Lock _lock = new();
    private readonly Dictionary<ushort, Echo> _waiting = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;
    private int _sequence;

    private IcmpProbe(Socket socket, ILogger logger)
    {
        _socket = socket;
        _logger = logger;
        _identifier = (ushort)Random.Shared.Next(1, 0x10000);
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>Opens the raw ICMP socket (needs root or CAP_NET_RAW).</summary>
    /// <param name="source">Address to leave from (the management address); null lets routing choose.</param>
    /// <exception cref="SocketException">The socket cannot be opened or bound.</exception>
    public static IcmpProbe Open(IPAddress? source, ILogger<IcmpProbe>? logger = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
        try
        {
            // struct icmp_filter is one native-order u32. Everyone's echo requests and other ICMP
            // noise stay in the kernel instead of waking the receive loop.
            socket.SetRawSocketOption(SolRaw, IcmpFilter, BitConverter.GetBytes(~Wanted));
            if (source is not null) socket.Bind(new IPEndPoint(source, 0));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new IcmpProbe(socket, (ILogger?)logger ?? NullLogger.Instance);
    }

    public ProbeKind Kind => ProbeKind.Icmp;

    public async ValueTask<ProbeOutcome> ProbeAsync(ServerTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Address.AddressFamily != AddressFamily.InterNetwork)
        {
            return ProbeOutcome.Failure("the ICMP probe needs an IPv4 address", TimeSpan.Zero);
        }
        ushort sequence = (ushort)Interlocked.Increment(ref _sequence);
        var echo = new Echo(Ipv4.ToUInt32(target.Address));
        lock (_lock) _waiting[sequence] = echo;
        try
        {
            // The payload is only there so the request looks like an ordinary ping.
            var packet = new byte[IcmpPacket.EchoHeaderLength + 8];
            BinaryPrimitives.WriteInt64BigEndian(packet.AsSpan(IcmpPacket.EchoHeaderLength), echo.Started);
            IcmpPacket.WriteEchoRequest(packet, _identifier, sequence, packet.AsSpan(IcmpPacket.EchoHeaderLength));
            try
            {
                await _socket.SendToAsync(packet, SocketFlags.None, new IPEndPoint(target.Address, 0), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException && cancellationToken.IsCancellationRequested)
            {
                return ProbeOutcome.Failure(ProbeDetails.Timeout, echo.Elapsed);
            }
            catch (SocketException e)
            {
                return ProbeOutcome.Failure(ProbeConnection.Describe(e), echo.Elapsed);
            }
            using (cancellationToken.UnsafeRegister(static state => ((Echo)state!).GiveUp(), echo))
            {
                return await echo.Answer.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                if (_waiting.TryGetValue(sequence, out var current) && current == echo) _waiting.Remove(sequence);
            }
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1500];
        int errorsInARow = 0;
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                errorsInARow = 0;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A raw socket also reports ICMP errors it saw as a pending socket error (e.g.
                // EHOSTUNREACH); the ICMP packet itself arrives as data too, so nothing is lost.
                LogReceiveError(e.SocketErrorCode);
                if (++errorsInARow > 10) await Task.Delay(10, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            Dispatch(buffer.AsSpan(0, length));
        }
    }

    private void Dispatch(ReadOnlySpan<byte> datagram)
    {
        if (!IcmpPacket.TryParse(datagram, _identifier, out var received)) return;
        Echo? echo;
        lock (_lock)
        {
            if (!_waiting.TryGetValue(received.Sequence, out echo) || echo.Peer != received.Peer) return;
        }
        echo.Answer.TrySetResult(received.IsReply
            ? ProbeOutcome.Success(ProbeDetails.EchoReply, echo.Elapsed)
            : ProbeOutcome.Failure(IcmpPacket.Describe(received.Type, received.Code), echo.Elapsed));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    /// <summary>One echo request waiting for its answer.</summary>
    private sealed class Echo(uint peer)
    {
        public uint Peer { get; } = peer;

        public long Started { get; } = Stopwatch.GetTimestamp();

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Started);

        // Asynchronous continuations: the receive loop must not run the prober's result handling.
        public TaskCompletionSource<ProbeOutcome> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void GiveUp() => Answer.TrySetResult(ProbeOutcome.Failure(ProbeDetails.Timeout, Elapsed));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "ICMP socket reported {Error}")]
    private partial void LogReceiveError(SocketError error);
}
