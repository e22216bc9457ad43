using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Appliance.Switch;

/// <summary>
/// One OpenFlow 1.3 connection with a switch: handshake, keepalive both ways, xid tracking,
/// barrier-confirmed batches and multipart requests. The switch connects to us (OVS is the
/// active side), so a restarted switch simply arrives as a new session. The parts: the handshake
/// and the session's end (here), requests (<c>.Requests</c>), the receive loop
/// (<c>.Receive</c>) and liveness (<c>.Keepalive</c>).
/// </summary>
public sealed partial class SwitchSession : ISwitchChannel, IAsyncDisposable
{
    private static long s_nextId;

    private readonly Stream _stream;
    private readonly ISwitchHandler _handler;
    private readonly SwitchSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SessionRefusals _refusals;
    private readonly PendingRequests _pending = new();
    private readonly MessageBudget _asyncBudget;
    private readonly MessageBudget _portStatusBudget;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    // Never disposed (it has no timer): a write racing with disposal then sees it cancelled rather than disposed.
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _helloReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ImmutableSortedDictionary<uint, OfpPortDesc> _ports = ImmutableSortedDictionary<uint, OfpPortDesc>.Empty;
    private ITimer? _keepalive;
    private Task? _receiving;
    private int _closing;
    private bool _connected;

    private SwitchSession(Stream stream, string peer, ISwitchHandler handler, SwitchSessionOptions options, TimeProvider time, ILogger logger, SessionRefusals refusals)
    {
        _stream = stream;
        Peer = peer;
        _handler = handler;
        _options = options;
        _time = time;
        _logger = logger;
        _refusals = refusals;
        _asyncBudget = new MessageBudget(options.AsyncMessagesPerSecond, time);
        _portStatusBudget = new MessageBudget(options.AsyncMessagesPerSecond, time);
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

    /// <summary>The most bytes one multipart reply made us hold: what a peer can make us buffer.</summary>
    internal long PeakMultipartBytes => _pending.PeakMultipartBytes;

    /// <summary>
    /// Runs the first part of the handshake on an accepted connection: HELLO both ways (refusing
    /// peers without OpenFlow 1.3 with HELLO_FAILED), FEATURES and PORT_DESC. The session then
    /// knows its datapath; it asks for the MASTER role only once admitted (<see cref="ActivateAsync"/>).
    /// </summary>
    /// <remarks>A session dropped later for breaking a bound is counted in <paramref name="refusals"/>.</remarks>
    internal static async Task<SwitchSession> EstablishAsync(
        Stream stream, string peer, ISwitchHandler handler, SwitchSessionOptions options, TimeProvider time, ILogger logger, SessionRefusals refusals, CancellationToken cancellation)
    {
        var session = new SwitchSession(stream, peer, handler, options, time, logger, refusals);
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
        _keepalive = _time.CreateTimer(static state => ((SwitchSession)state!).CheckLiveness(), this, _options.Tick, _options.Tick);
    }

    /// <summary>
    /// Completes the handshake of an admitted session: asks for the MASTER role, then tells the
    /// handler the session is ready. A refused newcomer never gets this far, so it never demotes
    /// the session it failed to replace.
    /// </summary>
    internal async Task ActivateAsync(CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stop.Token);
        timeout.CancelAfter(_options.HandshakeTimeout);
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
        // Written before IsClosed is read, and read by CloseAsync after it marks the session closed:
        // whichever comes second sees the other, so the handler hears of a session's end exactly
        // when it heard of its start.
        Volatile.Write(ref _connected, true);
        Interlocked.MemoryBarrier();
        if (IsClosed) throw new SwitchDisconnectedException("the connection closed during the handshake");
        LogConnected(DatapathIdText, Peer, Ports.Count);
        _handler.OnConnected(this);
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
        if (Volatile.Read(ref _connected))
        {
            LogDisconnected(DatapathIdText, reason);
            _handler.OnDisconnected(this, reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync("closed by the controller").ConfigureAwait(false);
        if (_receiving is not null) await _receiving.ConfigureAwait(false);
    }

    public override string ToString() => $"switch {DatapathIdText} (session {Id}, {Peer})";

    [LoggerMessage(Level = LogLevel.Information, Message = "switch {DatapathId} connected from {Peer} with {PortCount} ports")]
    private partial void LogConnected(string datapathId, string peer, int portCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch {DatapathId} disconnected: {Reason}")]
    private partial void LogDisconnected(string datapathId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch refused the MASTER role ({Code}); continuing as EQUAL")]
    private partial void LogRoleRefused(OfpErrorCode code);
}
