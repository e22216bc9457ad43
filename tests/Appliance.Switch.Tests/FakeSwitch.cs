using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Switch.Tests;

/// <summary>A scripted switch: connects to the listener and speaks OpenFlow through our codec.</summary>
internal sealed class FakeSwitch : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[1 << 17];
    private int _filled;

    private FakeSwitch(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects over TCP or a unix socket, whichever the listener's endpoint is.</summary>
    public static async Task<FakeSwitch> ConnectAsync(EndPoint listener)
    {
        var socket = listener is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(listener.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(listener);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new FakeSwitch(socket);
    }

    public Task SendAsync<T>(T message, uint xid = 0)
        where T : IOfpMessage => SendRawAsync(OfpCodec.Encode(message, xid));

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Next message from the controller, or null when it closed the connection.</summary>
    public async Task<byte[]?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            if (_filled >= OfpHeader.Size)
            {
                var length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(2));
                if (_filled >= length)
                {
                    var message = _buffer.AsSpan(0, length).ToArray();
                    _buffer.AsSpan(length, _filled - length).CopyTo(_buffer);
                    _filled -= length;
                    return message;
                }
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_filled), cancel.Token);
            if (read == 0) return null;
            _filled += read;
        }
    }

    /// <summary>The next message, which must be a <typeparamref name="T"/>; ECHO_REQUESTs before it are answered, as a switch does.</summary>
    public async Task<(OfpHeader Header, T Message)> ReceiveAsync<T>()
        where T : struct, IOfpMessage<T>
    {
        byte[] bytes;
        OfpHeader header;
        while (true)
        {
            bytes = await ReceiveAsync() ?? throw new InvalidOperationException($"connection closed while waiting for {T.MessageType}");
            OfpHeader.TryRead(bytes, out header);
            if (header.Type != OfpType.EchoRequest || T.MessageType == OfpType.EchoRequest) break;
            await SendRawAsync([.. bytes.AsSpan(0, 1), (byte)OfpType.EchoReply, .. bytes.AsSpan(2)]);
        }
        Assert.IsTrue(OfpCodec.TryDecode<T>(bytes, out var message, out var error), $"expected {T.MessageType}, got {header.Type}: {error}");
        return (header, message);
    }

    /// <summary>Plays the switch's side of the handshake.</summary>
    public async Task HandshakeAsync(ulong datapathId, params OfpPortDesc[] ports)
    {
        await GreetAsync(datapathId, ports);
        var (role, request) = await ReceiveAsync<RoleRequest>();
        Assert.AreEqual(OfpControllerRole.Master, request.Body.Role);
        await SendAsync(new RoleReply(request.Body), role.Xid);
    }

    /// <summary>The handshake up to the point where the controller knows who we are: HELLO, FEATURES, PORT_DESC.</summary>
    public async Task GreetAsync(ulong datapathId, params OfpPortDesc[] ports)
    {
        await SendAsync(Hello.OpenFlow13);
        await ReceiveAsync<Hello>();
        var (features, _) = await ReceiveAsync<FeaturesRequest>();
        await SendAsync(new FeaturesReply(datapathId, 0, 254, 0, OfpCapabilities.FlowStats), features.Xid);
        var (portDesc, _) = await ReceiveAsync<PortDescRequest>();
        await SendAsync(new PortDescReply(OfpMultipartFlags.None, ports), portDesc.Xid);
    }

    /// <summary>Whether the controller closes the connection (within 5 s), whatever it sends before.</summary>
    public async Task<bool> ClosedByControllerAsync()
    {
        try
        {
            while (await ReceiveAsync() is not null)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Answers every ECHO_REQUEST until the connection ends, as a live switch does; returns how many.</summary>
    public async Task<int> AnswerEchoesAsync()
    {
        var answered = 0;
        while (true)
        {
            byte[]? message;
            try
            {
                message = await ReceiveAsync(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                return answered;
            }
            if (message is null) return answered;
            OfpHeader.TryRead(message, out var header);
            if (header.Type != OfpType.EchoRequest || !OfpCodec.TryDecode<EchoRequest>(message, out var echo, out _)) continue;
            await SendAsync(echo.Reply(), header.Xid);
            answered++;
        }
    }

    public static OfpPortDesc Port(uint number, bool live = true) => new(
        number, new MacAddress(0x0200_0000_0000UL | number), new OfpPortName($"p{number}"), OfpPortConfig.None,
        live ? OfpPortState.Live : OfpPortState.LinkDown, OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, 0, 0);

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}

/// <summary>Records what the channel reports, for tests to wait on; the listener's channels are its sessions, kept as such.</summary>
internal sealed class RecordingHandler : ISwitchHandler
{
    private readonly Lock _lock = new();
    private readonly List<string> _events = [];
    private readonly SemaphoreSlim _signal = new(0);

    public List<SwitchSession> Connected { get; } = [];

    public List<PortStatus> PortStatuses { get; } = [];

    public List<(SwitchSession Session, string Reason)> Disconnected { get; } = [];

    public void OnConnected(ISwitchChannel channel) => Record("connected", () => Connected.Add((SwitchSession)channel));

    public void OnPortStatus(ISwitchChannel channel, in PortStatus status)
    {
        var copy = status;
        Record("port_status", () => PortStatuses.Add(copy));
    }

    public int PacketIns { get; private set; }

    public void OnPacketIn(ISwitchChannel channel, in PacketIn packetIn) => Record("packet_in", () => PacketIns++);

    public void OnFlowRemoved(ISwitchChannel channel, in FlowRemoved removed) => Record("flow_removed", () => { });

    public void OnUnsolicitedError(ISwitchChannel channel, in ErrorMsg error) => Record("error", () => { });

    public void OnDisconnected(ISwitchChannel channel, string reason) => Record("disconnected", () => Disconnected.Add(((SwitchSession)channel, reason)));

    private void Record(string name, Action action)
    {
        lock (_lock)
        {
            action();
            _events.Add(name);
        }
        _signal.Release();
    }

    /// <summary>Waits until the condition holds, re-checking after every event.</summary>
    public async Task WaitForAsync(Func<RecordingHandler, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (_lock)
            {
                if (condition(this)) return;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) Assert.Fail($"timed out waiting for {what}; events: {string.Join(", ", _events)}");
            await _signal.WaitAsync(left);
        }
    }
}
