using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;

namespace Appliance.Bench;

/// <summary>A message the firmware sent to the peer.</summary>
internal readonly record struct PeerMessage(OfpHeader Header, byte[] Bytes)
{
    public OfpType Type => Header.Type;

    /// <summary>The kind of a MULTIPART_REQUEST, else null.</summary>
    public OfpMultipartType? Multipart => Type == OfpType.MultipartRequest ? OfpCodec.PeekMultipartType(Bytes.AsSpan(OfpHeader.Size)) : null;

    /// <summary>Whether the firmware waits for an answer to it (barriers and multipart requests; flow and group mods are answered only by errors).</summary>
    public bool IsRequest => Type is OfpType.MultipartRequest or OfpType.BarrierRequest or OfpType.FeaturesRequest or OfpType.GetConfigRequest or OfpType.RoleRequest;
}

/// <summary>
/// The switch's end of an OpenFlow 1.3 channel, spoken by the hostile benchmark to the real firmware with
/// the firmware's own codec: it connects where the lab's bridge would, completes the handshake as that bridge
/// (its datapath ID and ports) and then misbehaves as the benchmark tells it. It runs as root, as Open
/// vSwitch does, so the firmware's peer-owner check lets it through: what it attacks is everything after.
/// </summary>
internal sealed class OpenFlowPeer : IDisposable
{
    private readonly Socket _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    // Two maximum-size messages: a whole one always fits after a partial one.
    private readonly byte[] _buffer = new byte[2 * OfpCodec.MaxMessageLength];
    private int _filled;
    private long _lastSent;

    private OpenFlowPeer(Socket socket) => _socket = socket;

    /// <summary>When the last write ended (Stopwatch timestamp): after a whole message, the firmware's last sign of life from this peer.</summary>
    public long LastSentAt => Interlocked.Read(ref _lastSent);

    /// <param name="target">The firmware's <c>openflow.listen</c> as tools/lab writes it: <c>unix:PATH</c>.</param>
    public static async Task<OpenFlowPeer> ConnectAsync(string target)
    {
        if (!target.StartsWith("unix:", StringComparison.Ordinal)) throw new ArgumentException($"the peer connects to unix: sockets, not {target}", nameof(target));
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(target["unix:".Length..]));
            return new OpenFlowPeer(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The lab bridge's ports as Open vSwitch describes them: the hosts' veths, all live, and LOCAL.</summary>
    public static OfpPortDesc[] PortsOf(Lab lab) =>
    [
        .. lab.Plan.Hosts.Select(h => Port((uint)h.Port, h.Veth, lab.MacOf(h.Role))),
        Port(OfpPort.Local, lab.Bridge, lab.ManagementMac),
    ];

    private static OfpPortDesc Port(uint number, string name, string mac) => new(
        number, MacAddress.Parse(mac), new OfpPortName(name), OfpPortConfig.None, OfpPortState.Live,
        OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, 10_000_000, 10_000_000);

    public Task SendAsync<T>(T message, uint xid, CancellationToken cancellation = default)
        where T : IOfpMessage => SendRawAsync(OfpCodec.Encode(message, xid), cancellation);

    /// <exception cref="SocketException">The firmware closed the connection.</exception>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellation = default)
    {
        await _writeLock.WaitAsync(cancellation);
        try
        {
            while (bytes.Length > 0)
            {
                var sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellation);
                bytes = bytes[sent..];
            }
            Interlocked.Exchange(ref _lastSent, Stopwatch.GetTimestamp());
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The next message, or null once the firmware has closed the connection.</summary>
    public async Task<PeerMessage?> ReceiveAsync(CancellationToken cancellation)
    {
        while (true)
        {
            if (_filled >= OfpHeader.Size)
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(2));
                if (length < OfpHeader.Size) throw new InvalidDataException($"the firmware sent a header of length {length}");
                if (_filled >= length)
                {
                    var bytes = _buffer.AsSpan(0, length).ToArray();
                    _buffer.AsSpan(length, _filled - length).CopyTo(_buffer);
                    _filled -= length;
                    OfpHeader.TryRead(bytes, out var header);
                    return new PeerMessage(header, bytes);
                }
            }
            int read;
            try
            {
                read = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), SocketFlags.None, cancellation);
            }
            catch (SocketException)
            {
                return null; // reset by the firmware
            }
            if (read == 0) return null;
            _filled += read;
        }
    }

    /// <summary>The next message that is not an ECHO_REQUEST (those are answered at once, as a live switch does); null when closed or the time is up.</summary>
    public async Task<PeerMessage?> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await ReceiveAsync(cancel.Token) is { } message)
            {
                if (message.Type != OfpType.EchoRequest) return message;
                await AnswerEchoAsync(message);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return null;
    }

    public Task AnswerEchoAsync(PeerMessage echo) =>
        OfpCodec.TryDecode<EchoRequest>(echo.Bytes, out var request, out _) ? SendAsync(request.Reply(), echo.Header.Xid) : Task.CompletedTask;

    /// <summary>HELLO, FEATURES_REPLY with <paramref name="datapathId"/>, PORT_DESC: what the firmware checks before it admits a switch.</summary>
    public async Task GreetAsync(ulong datapathId, OfpPortDesc[] ports)
    {
        await SendAsync(Hello.OpenFlow13, 1);
        await Expect(OfpType.Hello);
        var features = await Expect(OfpType.FeaturesRequest);
        await SendAsync(new FeaturesReply(datapathId, 256, 254, 0, OfpCapabilities.FlowStats | OfpCapabilities.GroupStats), features.Header.Xid);
        var portDesc = await Expect(OfpType.MultipartRequest);
        await SendAsync(new PortDescReply(OfpMultipartFlags.None, ports), portDesc.Header.Xid);
    }

    /// <summary>The whole handshake: <see cref="GreetAsync"/>, then the MASTER role granted. The firmware then holds this peer as its switch.</summary>
    public async Task HandshakeAsync(ulong datapathId, OfpPortDesc[] ports)
    {
        await GreetAsync(datapathId, ports);
        var role = await Expect(OfpType.RoleRequest);
        OfpCodec.TryDecode<RoleRequest>(role.Bytes, out var request, out _);
        await SendAsync(new RoleReply(request.Body), role.Header.Xid);
    }

    /// <summary>The empty answer a switch without rules gives, or null for what needs none.</summary>
    public static byte[]? EmptyAnswer(PeerMessage message) => (message.Type, message.Multipart) switch
    {
        (OfpType.MultipartRequest, OfpMultipartType.Flow) => OfpCodec.Encode(FlowStatsReply.FromEntries([]), message.Header.Xid),
        (OfpType.MultipartRequest, OfpMultipartType.GroupDesc) => OfpCodec.Encode(GroupDescReply.FromEntries([]), message.Header.Xid),
        (OfpType.BarrierRequest, _) => OfpCodec.Encode(new BarrierReply(), message.Header.Xid),
        _ => null,
    };

    /// <summary>Reads until the firmware closes the connection, answering ECHO_REQUEST when told to; false when it did not close in time.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout, bool answerEcho)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await ReceiveAsync(cancel.Token) is { } message)
            {
                if (answerEcho && message.Type == OfpType.EchoRequest) await AnswerEchoAsync(message);
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // the answer to an echo met the closed connection
        }
    }

    private async Task<PeerMessage> Expect(OfpType type)
    {
        var message = await NextAsync(TimeSpan.FromSeconds(10)) ?? throw new LabException($"the firmware closed the connection (or was silent) while the peer waited for {type}");
        return message.Type == type ? message : throw new LabException($"the firmware sent {message.Type} while the peer waited for {type}");
    }

    public void Dispose()
    {
        _socket.Dispose();
        _writeLock.Dispose();
    }
}
