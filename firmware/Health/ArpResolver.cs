using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Health;

/// <summary>
/// ARP on the management interface, from the management address and MAC: asks who has an address
/// and hears the answer. The firmware uses it to learn servers' MACs when the configuration gives
/// none, and the arp probe uses it to see whether a server's kernel is alive.
/// </summary>
/// <remarks>
/// The kernel's neighbour table is not used: it answers from its cache for minutes after a server
/// died, and it is shared with everything else on the box. A packet socket sends our own request
/// and sees the reply itself; one receive loop hands replies to every request waiting for that
/// address.
/// <para>A packet socket dies with its interface. When the interface is deleted and made again
/// (ovs-vswitchd recreates the internal port of a userspace bridge when it restarts) the resolver
/// opens a new socket on the new interface; until then requests fail.</para>
/// </remarks>
public sealed partial class ArpResolver : IAsyncDisposable
{
    /// <summary>How long <see cref="ResolveAsync(IPAddress, CancellationToken)"/> tries.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How often a resolution repeats its request while no answer came.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);

    // SOL_PACKET / PACKET_IGNORE_OUTGOING (linux/if_packet.h, Linux 4.20): our own frames are not looped back to us.
    private const int SolPacket = 263;
    private const int PacketIgnoreOutgoing = 23;

    private static readonly TimeSpan ReattachInterval = TimeSpan.FromSeconds(1);

    private volatile Socket _socket;
    private volatile NetworkInterfaceInfo _interface;
    private readonly uint _sourceIp;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiting = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    private ArpResolver(Socket socket, NetworkInterfaceInfo device, IPAddress sourceAddress, ILogger logger)
    {
        _socket = socket;
        _interface = device;
        SourceAddress = sourceAddress;
        _sourceIp = Ipv4.ToUInt32(sourceAddress);
        _logger = logger;
        _receiving = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>The interface requests leave from (the bridge's internal port on the box).</summary>
    public NetworkInterfaceInfo Interface => _interface;

    /// <summary>The sender address of our requests (the management address).</summary>
    public IPAddress SourceAddress { get; }

    /// <summary>The receive loop: runs until disposal; ended before that, no answer reaches anyone (the watchdog looks).</summary>
    public Task Receiving => _receiving;

    /// <summary>
    /// Every ARP request or reply that reaches the interface, with its sender's address and MAC
    /// (gratuitous announcements included); raised on the receive loop, so handlers must be quick
    /// and must not throw.
    /// </summary>
    public event Action<IPAddress, MacAddress>? Heard;

    /// <summary>Opens a packet socket on <paramref name="interfaceName"/> (needs root or CAP_NET_RAW).</summary>
    /// <exception cref="InvalidOperationException">The interface does not exist or has no MAC.</exception>
    /// <exception cref="IOException">The packet socket cannot be opened.</exception>
    public static ArpResolver Open(string interfaceName, IPAddress sourceAddress, ILogger<ArpResolver>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(sourceAddress);
        if (sourceAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("ARP needs an IPv4 source address", nameof(sourceAddress));
        }
        var device = NetworkInterfaceInfo.Read(interfaceName);
        var socket = OpenSocket(device);
        return new ArpResolver(socket, device, sourceAddress, (ILogger?)logger ?? NullLogger.Instance);
    }

    private static Socket OpenSocket(NetworkInterfaceInfo device)
    {
        var socket = NativeSockets.OpenPacket(device.Index, ArpPacket.EtherType);
        try
        {
            socket.SetRawSocketOption(SolPacket, PacketIgnoreOutgoing, BitConverter.GetBytes(1));
        }
        catch (SocketException)
        {
            // Older kernel: our own requests come back and are ignored as requests.
        }
        return socket;
    }

    /// <summary>The MAC that answers for <paramref name="address"/>, or null when nothing answered within <see cref="DefaultTimeout"/>.</summary>
    public ValueTask<MacAddress?> ResolveAsync(IPAddress address, CancellationToken cancellationToken = default) =>
        ResolveAsync(address, DefaultTimeout, cancellationToken);

    /// <summary>
    /// The MAC that answers for <paramref name="address"/>, or null when nothing answered within
    /// <paramref name="timeout"/>. Broadcasts a request every <see cref="RetryInterval"/> meanwhile.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async ValueTask<MacAddress?> ResolveAsync(IPAddress address, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        uint target = Ipv4.ToUInt32(address);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var waiter = Register(target);
        try
        {
            while (true)
            {
                try
                {
                    await SendRequestAsync(target, null, deadline.Token).ConfigureAwait(false);
                    var retry = timeout < RetryInterval ? timeout : RetryInterval;
                    return await waiter.Answer.Task.WaitAsync(retry, deadline.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // No answer yet: ask again.
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
                catch (SocketException e)
                {
                    LogSendFailed(address.ToString(), e.SocketErrorCode);
                    return null;
                }
            }
        }
        finally
        {
            Unregister(waiter);
        }
    }

    /// <summary>
    /// One request, answered or not before the token fires (then <see cref="OperationCanceledException"/>).
    /// Sent to <paramref name="unicastTo"/> when given, broadcast otherwise.
    /// </summary>
    /// <exception cref="SocketException">The request could not be sent.</exception>
    internal async ValueTask<MacAddress> RequestAsync(IPAddress address, MacAddress? unicastTo, CancellationToken cancellationToken)
    {
        uint target = Ipv4.ToUInt32(address);
        var waiter = Register(target);
        try
        {
            await SendRequestAsync(target, unicastTo, cancellationToken).ConfigureAwait(false);
            return await waiter.Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Unregister(waiter);
        }
    }

    private async ValueTask SendRequestAsync(uint target, MacAddress? unicastTo, CancellationToken cancellationToken)
    {
        var frame = new byte[ArpPacket.FrameLength];
        ArpPacket.WriteRequest(frame, _interface.Mac, _sourceIp, target, unicastTo);
        await _socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    private Waiter Register(uint address)
    {
        var waiter = new Waiter(address);
        lock (_lock) _waiting.Add(waiter);
        return waiter;
    }

    private void Unregister(Waiter waiter)
    {
        lock (_lock) _waiting.Remove(waiter);
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            var socket = _socket;
            int length;
            try
            {
                length = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // ENETDOWN: the interface went down (the socket recovers when it comes back up)
                // or away (the socket is dead: find the interface again).
                LogReceiveFailed(_interface.Name, e.SocketErrorCode);
                await ReattachAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                // The kernel reports such an error once; should it repeat, do not spin on it.
                await Task.Delay(10, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            if (!ArpPacket.TryParse(buffer.AsSpan(0, length), out var op, out uint sender, out var mac, out uint answered)) continue;
            if (sender != 0 && sender != _sourceIp) Heard?.Invoke(Ipv4.ToAddress(sender), mac);
            // Only replies addressed to our address answer a request: the kernel's own exchanges are seen here too.
            if (op != ArpPacket.ReplyOp || answered != _sourceIp) continue;
            lock (_lock)
            {
                foreach (var waiter in _waiting)
                {
                    if (waiter.Address == sender) waiter.Answer.TrySetResult(mac);
                }
            }
        }
    }

    /// <summary>Waits for the interface to exist; when it is a new one (another index), moves to a socket on it.</summary>
    private async Task ReattachAsync()
    {
        var old = _interface;
        while (!_stop.IsCancellationRequested)
        {
            NetworkInterfaceInfo current;
            try
            {
                current = NetworkInterfaceInfo.Read(old.Name);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                await Task.Delay(ReattachInterval, _stop.Token).ConfigureAwait(false);
                continue;
            }
            if (current.Index == old.Index) return; // only down: the kernel re-arms the socket when it is up again
            Socket replacement;
            try
            {
                replacement = OpenSocket(current);
            }
            catch (IOException e)
            {
                LogReattachFailed(current.Name, e.Message);
                await Task.Delay(ReattachInterval, _stop.Token).ConfigureAwait(false);
                continue;
            }
            var dead = _socket;
            _interface = current;
            _socket = replacement;
            dead.Dispose();
            LogReattached(current.Name, current.Index);
            return;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private sealed class Waiter(uint address)
    {
        public uint Address { get; } = address;

        // Asynchronous continuations: the receive loop must not run the waiting probe's code under its lock.
        public TaskCompletionSource<MacAddress> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "sending an ARP request for {Address} failed: {Error}")]
    private partial void LogSendFailed(string address, SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading ARP on {Interface} failed: {Error}")]
    private partial void LogReceiveFailed(string @interface, SocketError error);

    [LoggerMessage(Level = LogLevel.Information, Message = "ARP moved to the new interface {Interface} (index {Index})")]
    private partial void LogReattached(string @interface, int index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot open ARP on {Interface} yet: {Reason}")]
    private partial void LogReattachFailed(string @interface, string reason);
}
