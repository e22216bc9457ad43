using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Appliance.Switch;

/// <summary>Timing of a session. The defaults declare a silent switch dead within 3 s.</summary>
public sealed record SwitchSessionOptions
{
    /// <summary>Send an ECHO_REQUEST after this long without hearing from the switch.</summary>
    public TimeSpan EchoInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Declare the switch dead after this long without any message.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long HELLO and the handshake's requests may take.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request or batch may wait for its answer before the session is given up.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often liveness is checked.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// One OpenFlow 1.3 connection with a switch: handshake, keepalive both ways, xid tracking,
/// barrier-confirmed batches and multipart requests. The switch connects to us (OVS is the
/// active side), so a restarted switch simply arrives as a new session.
/// </summary>
public sealed partial class SwitchSession : ISwitchChannel, IAsyncDisposable
{
    private static long s_nextId;

    private readonly Stream _stream;
    private readonly ISwitchHandler _handler;
    private readonly SwitchSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PendingRequests _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _sendBuffer = new byte[OfpCodec.MaxMessageLength];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _helloReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ImmutableSortedDictionary<uint, OfpPortDesc> _ports = ImmutableSortedDictionary<uint, OfpPortDesc>.Empty;
    private ITimer? _keepalive;
    private Task? _receiving;
    private long _lastReceived;
    private long _lastEchoSent;
    private int _nextXid;
    private int _closing;
    private bool _connected;

    private SwitchSession(Stream stream, string peer, ISwitchHandler handler, SwitchSessionOptions options, TimeProvider time, ILogger logger)
    {
        _stream = stream;
        Peer = peer;
        _handler = handler;
        _options = options;
        _time = time;
        _logger = logger;
        Id = Interlocked.Increment(ref s_nextId);
        _lastReceived = time.GetTimestamp();
    }

    /// <summary>Distinguishes successive connections, e.g. before and after a switch restart.</summary>
    public long Id { get; }

    public string Peer { get; }

    public ulong DatapathId => Features.DatapathId;

    public string DatapathIdText => Features.DatapathIdText;

    public FeaturesReply Features { get; private set; }

    /// <summary>The switch's ports, kept current from PORT_DESC and PORT_STATUS.</summary>
    public IReadOnlyDictionary<uint, OfpPortDesc> Ports => _ports;

    public bool IsClosed => _closing != 0;

    /// <summary>
    /// Runs the handshake on an accepted connection: HELLO both ways (refusing peers without
    /// OpenFlow 1.3 with HELLO_FAILED), FEATURES, PORT_DESC, and the MASTER role.
    /// </summary>
    public static async Task<SwitchSession> EstablishAsync(
        Stream stream, string peer, ISwitchHandler handler, SwitchSessionOptions options, TimeProvider time, ILogger logger, CancellationToken cancellation)
    {
        var session = new SwitchSession(stream, peer, handler, options, time, logger);
        try
        {
            await session.HandshakeAsync(cancellation).ConfigureAwait(false);
            return session;
        }
        catch (Exception e)
        {
            await session.CloseAsync($"handshake failed: {e.Message}").ConfigureAwait(false);
            throw;
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stop.Token);
        timeout.CancelAfter(_options.HandshakeTimeout);
        await SendAsync(Hello.OpenFlow13).ConfigureAwait(false);
        _receiving = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        await _helloReceived.Task.WaitAsync(timeout.Token).ConfigureAwait(false);

        Features = await RequestAsync<FeaturesRequest, FeaturesReply>(new FeaturesRequest(), timeout.Token).ConfigureAwait(false);
        if (Features.AuxiliaryId != 0) throw new InvalidOperationException($"auxiliary connection {Features.AuxiliaryId} is not supported");

        var ports = await MultipartAsync<PortDescRequest, PortDescReply, OfpPortDesc>(new PortDescRequest(), timeout.Token).ConfigureAwait(false);
        ImmutableInterlocked.Update(ref _ports, static (_, list) => list.ToImmutableSortedDictionary(p => p.PortNo, p => p), ports);

        // The generation id only has to grow across controller restarts; wall-clock milliseconds do.
        var generation = (ulong)_time.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await RequestAsync<RoleRequest, RoleReply>(new RoleRequest(OfpControllerRole.Master, generation), timeout.Token).ConfigureAwait(false);
        }
        catch (OpenFlowErrorException e)
        {
            // Being the only controller, EQUAL (the default role) is enough to program the switch.
            LogRoleRefused(e.Error.Code);
        }

        _keepalive = _time.CreateTimer(static state => ((SwitchSession)state!).CheckLiveness(), this, _options.Tick, _options.Tick);
        _connected = true;
        LogConnected(DatapathIdText, Peer, Ports.Count);
    }

    /// <summary>Tells the handler the session is ready; called once the listener has accepted it.</summary>
    internal void AnnounceConnected() => _handler.OnConnected(this);

    /// <summary>Sends one message with a fresh xid, not waiting for any answer.</summary>
    public ValueTask SendAsync<T>(T message, CancellationToken cancellation = default)
        where T : IOfpMessage => SendAsync(message, NextXid(), cancellation);

    private async ValueTask SendAsync<T>(T message, uint xid, CancellationToken cancellation)
        where T : IOfpMessage
    {
        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            var length = OfpCodec.Encode(message, xid, _sendBuffer);
            await WriteLockedAsync(_sendBuffer.AsMemory(0, length)).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends a request and returns its single reply; an ERROR reply throws <see cref="OpenFlowErrorException"/>.</summary>
    public async Task<TReply> RequestAsync<TRequest, TReply>(TRequest request, CancellationToken cancellation = default)
        where TRequest : IOfpMessage
        where TReply : struct, IOfpMessage<TReply>
    {
        var xid = NextXid();
        var pending = new PendingRequests.SingleReply(request.Type.ToString());
        _pending.Add(xid, pending);
        await SendAsync(request, xid, cancellation).ConfigureAwait(false);
        var bytes = await AwaitAnswer(pending.Reply.Task, xid, cancellation).ConfigureAwait(false);
        return Decode<TReply>(bytes);
    }

    /// <summary>Sends a MULTIPART request and returns the entries of all parts of its reply.</summary>
    public async Task<ValueList<TEntry>> MultipartAsync<TRequest, TReply, TEntry>(TRequest request, CancellationToken cancellation = default)
        where TRequest : IOfpMessage
        where TReply : struct, IOfpMultipartReply<TReply, TEntry>
    {
        var xid = NextXid();
        var pending = new PendingRequests.MultipartReply(request.Type.ToString());
        _pending.Add(xid, pending);
        await SendAsync(request, xid, cancellation).ConfigureAwait(false);
        var parts = await AwaitAnswer(pending.Reply.Task, xid, cancellation).ConfigureAwait(false);
        if (parts.Count == 1) return Decode<TReply>(parts[0]).Entries;
        var entries = new List<TEntry>();
        foreach (var part in parts) entries.AddRange(Decode<TReply>(part).Entries);
        return new ValueList<TEntry>([.. entries]);
    }

    /// <summary>
    /// Sends the messages followed by a BARRIER_REQUEST, in one write, and completes when the
    /// barrier is answered: then the switch has applied all of them, and the result names each
    /// message it refused and why.
    /// </summary>
    public async Task<BatchResult> ApplyAsync(IReadOnlyList<IOfpMessage> messages, CancellationToken cancellation = default)
    {
        var xids = new uint[messages.Count];
        for (var i = 0; i < xids.Length; i++) xids[i] = NextXid();
        var barrierXid = NextXid();
        var batch = new PendingRequests.Batch(messages, xids, _time.GetTimestamp(), _time);
        for (var i = 0; i < xids.Length; i++) _pending.Add(xids[i], new PendingRequests.BatchMember(batch, i));
        _pending.Add(barrierXid, new PendingRequests.BatchBarrier(batch));

        var buffer = new ArrayBufferWriter<byte>(4096);
        for (var i = 0; i < messages.Count; i++) Append(buffer, messages[i], xids[i]);
        Append(buffer, new BarrierRequest(), barrierXid);

        await _writeLock.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            await WriteLockedAsync(buffer.WrittenMemory).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
        return await AwaitAnswer(batch.Result.Task, barrierXid, cancellation).ConfigureAwait(false);
    }

    public Task<ValueList<FlowStats>> ReadFlowStatsAsync(FlowStatsRequest request, CancellationToken cancellation = default) =>
        MultipartAsync<FlowStatsRequest, FlowStatsReply, FlowStats>(request, cancellation);

    public Task<ValueList<GroupDesc>> ReadGroupDescAsync(CancellationToken cancellation = default) =>
        MultipartAsync<GroupDescRequest, GroupDescReply, GroupDesc>(new GroupDescRequest(), cancellation);

    private static void Append<T>(ArrayBufferWriter<byte> buffer, T message, uint xid)
        where T : IOfpMessage
    {
        var length = OfpCodec.EncodedLength(message);
        OfpCodec.Encode(message, xid, buffer.GetSpan(length));
        buffer.Advance(length);
    }

    private async Task<T> AwaitAnswer<T>(Task<T> answer, uint xid, CancellationToken cancellation)
    {
        try
        {
            return await answer.WaitAsync(_options.RequestTimeout, _time, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A switch that leaves a request unanswered this long is not one we can trust to be programmed.
            await CloseAsync($"no answer to xid {xid} within {_options.RequestTimeout.TotalSeconds:0.#} s").ConfigureAwait(false);
            throw new SwitchDisconnectedException($"no answer to xid {xid}");
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            _pending.Remove(xid);
            throw;
        }
    }

    private T Decode<T>(byte[] bytes)
        where T : struct, IOfpMessage<T>
    {
        if (OfpCodec.TryDecode<T>(bytes, out var message, out var error)) return message;
        throw new OpenFlowProtocolException(error, T.MessageType);
    }

    private uint NextXid()
    {
        // Zero is left out: some switches use it for unsolicited messages.
        uint xid;
        do xid = (uint)Interlocked.Increment(ref _nextXid);
        while (xid == 0);
        return xid;
    }

    private async ValueTask WriteLockedAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _stream.WriteAsync(bytes, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            _ = CloseAsync($"write failed: {e.Message}");
            throw new SwitchDisconnectedException(e.Message);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // Two maximum-size messages: a whole one always fits after whatever partial one precedes it.
        var buffer = new byte[2 * OfpCodec.MaxMessageLength];
        var filled = 0;
        string reason;
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(filled), _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    reason = "connection closed by the switch";
                    break;
                }
                Volatile.Write(ref _lastReceived, _time.GetTimestamp());
                filled += read;
                var start = 0;
                while (filled - start >= OfpHeader.Size)
                {
                    var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start + 2));
                    if (length < OfpHeader.Size) throw new InvalidDataException($"message length {length} is shorter than a header");
                    if (filled - start < length) break;
                    await DispatchAsync(buffer.AsMemory(start, length)).ConfigureAwait(false);
                    start += length;
                }
                if (start > 0)
                {
                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            reason = $"receive failed: {e.Message}";
        }
        await CloseAsync(reason).ConfigureAwait(false);
    }

    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> message)
    {
        OfpHeader.TryRead(message.Span, out var header);
        if (!_helloReceived.Task.IsCompleted)
        {
            await ReceiveHelloAsync(header, message).ConfigureAwait(false);
            return;
        }
        if (header.Version != OfpHeader.Version13)
        {
            await RefuseAsync(new OfpDecodeError(OfpErrorCode.Of(OfpBadRequestCode.BadVersion), 0, "ofp_header.version"), header, message).ConfigureAwait(false);
            return;
        }
        switch (header.Type)
        {
            case OfpType.EchoRequest:
                if (OfpCodec.TryDecode<EchoRequest>(message, out var echo, out var echoError)) await SendAsync(echo.Reply(), header.Xid, _stop.Token).ConfigureAwait(false);
                else await RefuseAsync(echoError, header, message).ConfigureAwait(false);
                break;
            case OfpType.EchoReply:
            case OfpType.Hello:
                break; // their arrival is all that matters: it proves the switch alive
            case OfpType.PortStatus:
                if (OfpCodec.TryDecode<PortStatus>(message, out var status, out var statusError)) OnPortStatus(status);
                else await RefuseAsync(statusError, header, message).ConfigureAwait(false);
                break;
            case OfpType.PacketIn:
                if (OfpCodec.TryDecode<PacketIn>(message, out var packetIn, out var packetInError)) _handler.OnPacketIn(this, packetIn);
                else await RefuseAsync(packetInError, header, message).ConfigureAwait(false);
                break;
            case OfpType.FlowRemoved:
                if (OfpCodec.TryDecode<FlowRemoved>(message, out var removed, out var removedError)) _handler.OnFlowRemoved(this, removed);
                else await RefuseAsync(removedError, header, message).ConfigureAwait(false);
                break;
            case OfpType.Error:
                if (_pending.TryComplete(header, message)) break;
                if (OfpCodec.TryDecode<ErrorMsg>(message, out var error, out _))
                {
                    LogUnsolicitedError(error.Code, header.Xid);
                    _handler.OnUnsolicitedError(this, error);
                }
                break;
            case OfpType.FeaturesReply:
            case OfpType.GetConfigReply:
            case OfpType.MultipartReply:
            case OfpType.BarrierReply:
            case OfpType.RoleReply:
            case OfpType.GetAsyncReply:
            case OfpType.QueueGetConfigReply:
            case OfpType.Experimenter:
                if (!_pending.TryComplete(header, message)) LogUnexpectedReply(header.Type, header.Xid);
                break;
            default:
                await RefuseAsync(new OfpDecodeError(OfpErrorCode.Of(OfpBadRequestCode.BadType), 1, "ofp_header.type"), header, message).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask ReceiveHelloAsync(OfpHeader header, ReadOnlyMemory<byte> message)
    {
        if (header.Type == OfpType.Hello && OfpCodec.TryDecode<Hello>(message, out var hello, out _) && VersionNegotiation.Accepts(header.Version, hello))
        {
            _helloReceived.TrySetResult();
            return;
        }
        LogHelloFailed(Peer, header.Version, header.Type);
        await SendAsync(VersionNegotiation.Refusal(header.Version), header.Xid, _stop.Token).ConfigureAwait(false);
        _helloReceived.TrySetException(new InvalidOperationException($"peer does not speak OpenFlow 1.3 (version {header.Version}, {header.Type})"));
        _ = CloseAsync("HELLO_FAILED: no common OpenFlow version");
    }

    private void OnPortStatus(in PortStatus status)
    {
        var desc = status.Desc;
        ImmutableInterlocked.Update(ref _ports, (ports, reason) => reason == OfpPortReason.Delete ? ports.Remove(desc.PortNo) : ports.SetItem(desc.PortNo, desc), status.Reason);
        _handler.OnPortStatus(this, status);
    }

    /// <summary>Answers a message we cannot accept with the standard ERROR, quoting it.</summary>
    private async ValueTask RefuseAsync(OfpDecodeError error, OfpHeader header, ReadOnlyMemory<byte> message)
    {
        LogRefused(header.Type, header.Xid, error.ToString());
        await SendAsync(ErrorMsg.Refusing(error.Code, message), header.Xid, _stop.Token).ConfigureAwait(false);
    }

    private void CheckLiveness()
    {
        if (IsClosed) return;
        var silent = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
        if (silent >= _options.DeadAfter)
        {
            _ = CloseAsync($"switch silent for {silent.TotalSeconds:0.0} s");
            return;
        }
        if (silent >= _options.EchoInterval && _time.GetElapsedTime(Volatile.Read(ref _lastEchoSent)) >= _options.EchoInterval)
        {
            Volatile.Write(ref _lastEchoSent, _time.GetTimestamp());
            _ = SendEchoAsync();
        }
    }

    private async Task SendEchoAsync()
    {
        try
        {
            await SendAsync(new EchoRequest(OfpBytes.Empty), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SwitchDisconnectedException or OperationCanceledException)
        {
            // CloseAsync already runs; nothing else to do.
        }
    }

    /// <summary>Ends the session once: stops I/O, fails pending requests, tells the handler.</summary>
    public async Task CloseAsync(string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0) return;
        _keepalive?.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _pending.Close(new SwitchDisconnectedException(reason));
        _helloReceived.TrySetException(new SwitchDisconnectedException(reason));
        if (_connected)
        {
            LogDisconnected(DatapathIdText, reason);
            _handler.OnDisconnected(this, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync("closed by the controller").ConfigureAwait(false);
        if (_receiving is not null) await _receiving.ConfigureAwait(false);
        _stop.Dispose();
    }

    public override string ToString() => $"switch {DatapathIdText} (session {Id}, {Peer})";

    [LoggerMessage(Level = LogLevel.Information, Message = "switch {DatapathId} connected from {Peer} with {PortCount} ports")]
    private partial void LogConnected(string datapathId, string peer, int portCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch {DatapathId} disconnected: {Reason}")]
    private partial void LogDisconnected(string datapathId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} offered no OpenFlow 1.3 (version {Version}, {Type}); sent HELLO_FAILED")]
    private partial void LogHelloFailed(string peer, byte version, OfpType type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused {Type} xid={Xid} from the switch: {Error}")]
    private partial void LogRefused(OfpType type, uint xid, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch reported {Code} for xid={Xid}, which no request waits for")]
    private partial void LogUnsolicitedError(OfpErrorCode code, uint xid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "switch sent {Type} xid={Xid} that answers no pending request")]
    private partial void LogUnexpectedReply(OfpType type, uint xid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch refused the MASTER role ({Code}); continuing as EQUAL")]
    private partial void LogRoleRefused(OfpErrorCode code);
}
