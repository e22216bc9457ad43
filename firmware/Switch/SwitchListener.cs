using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Appliance.Switch;

/// <summary>
/// The controller's end of the OpenFlow channel: listens (TCP or a unix socket) for the bridge to
/// connect, and keeps one switch session at a time. A connection becomes that session only if
/// its process is root's or Open vSwitch's (<see cref="PeerOwner"/>), its datapath is the
/// configured bridge's (<see cref="DatapathBinding"/>), and no live session of that datapath
/// answers echo; one that stopped answering (the switch restarted) is replaced. Every refusal is
/// logged and counted in <see cref="Refusals"/>.
/// </summary>
public sealed partial class SwitchListener : IAsyncDisposable
{
    /// <summary>Connections in their handshake at once; OVS needs one, more are refused at once.</summary>
    private const int MaxHandshakes = 4;

    private readonly EndPoint _endpoint;
    private readonly ISwitchHandler _handler;
    private readonly DatapathBinding _binding;
    private readonly SwitchSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly PeerOwner _owners;
    // Never disposed (it has no timer): the background OVSDB query may still look at it after we stop.
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _admission = new(1, 1);
    private Socket? _socket;
    private UnixSocketFile? _socketFile;
    private Task? _accepting;
    private SwitchSession? _current;
    private int _handshakes;

    public SwitchListener(EndPoint endpoint, ISwitchHandler handler, DatapathBinding binding, SwitchSessionOptions options, TimeProvider time, ILoggerFactory loggers)
        : this(endpoint, handler, binding, options, time, loggers, PeerOwner.OvsRunDirectory)
    {
    }

    internal SwitchListener(EndPoint endpoint, ISwitchHandler handler, DatapathBinding binding, SwitchSessionOptions options, TimeProvider time, ILoggerFactory loggers, string ovsRunDirectory)
    {
        _endpoint = endpoint;
        _handler = handler;
        _binding = binding;
        _options = options;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<SwitchListener>();
        _owners = new PeerOwner(ovsRunDirectory);
    }

    /// <summary>The session with the switch, when one is up.</summary>
    public SwitchSession? Current => _current is { IsClosed: false } session ? session : null;

    /// <summary>The address actually bound (with the real port when 0 was asked for).</summary>
    public EndPoint? LocalEndPoint => _socket?.LocalEndPoint;

    /// <summary>Connections refused and sessions dropped, by reason.</summary>
    public SessionRefusals Refusals { get; } = new();

    /// <summary>Binds and starts accepting; in <c>auto</c>, asks OVSDB for the bridge's datapath in the background.</summary>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    /// <exception cref="IOException">A unix socket path is taken by a file that is not a dead socket; it is left alone.</exception>
    public void Start()
    {
        if (_endpoint is UnixDomainSocketEndPoint unix)
        {
            var path = unix.ToString();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _socketFile = UnixSocketFile.Bind(_socket, path);
        }
        else
        {
            _socket = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _socket.Bind(_endpoint);
        }
        _socket.Listen(8);
        LogListening(_socket.LocalEndPoint?.ToString() ?? _endpoint.ToString() ?? "?", _binding.Description);
        _ = LearnDatapathAsync();
        _accepting = Task.Run(AcceptLoopAsync);
    }

    private async Task LearnDatapathAsync()
    {
        if (await _binding.RefreshAsync(_stop.Token).ConfigureAwait(false) is { } problem) LogDatapathUnknown(_binding.Description, problem);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e.Message);
                continue;
            }
            if (Interlocked.Increment(ref _handshakes) > MaxHandshakes)
            {
                Interlocked.Decrement(ref _handshakes);
                Refuse(RefusalReason.Busy, Describe(connection), $"{MaxHandshakes} connections are already in their handshake");
                connection.Dispose();
                continue;
            }
            _ = AdmitAsync(connection);
        }
    }

    private async Task AdmitAsync(Socket connection)
    {
        try
        {
            var peer = Describe(connection);
            var owner = PeerOwner.Identify(connection);
            if (!_owners.IsAllowed(owner))
            {
                Refuse(RefusalReason.PeerOwner, peer, $"the peer is {owner}; only root or Open vSwitch's user may be the switch");
                connection.Dispose();
                return;
            }
            if (owner.Uid is not null) peer = $"{peer}, {owner}";
            if (connection.AddressFamily != AddressFamily.Unix) connection.NoDelay = true; // OpenFlow messages are small and latency matters
            SwitchSession session;
            try
            {
                session = await SwitchSession.EstablishAsync(
                    new NetworkStream(connection, ownsSocket: true), peer, _handler, _options, _time, _loggers.CreateLogger<SwitchSession>(), Refusals, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Refuse(RefusalReason.Handshake, peer, e.Message);
                return;
            }
            await AdmitEstablishedAsync(session).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _handshakes);
        }
    }

    private async Task AdmitEstablishedAsync(SwitchSession session)
    {
        DatapathVerdict verdict;
        try
        {
            verdict = await _binding.CheckAsync(session.DatapathId, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await session.DisposeAsync().ConfigureAwait(false); // the listener stops
            return;
        }
        if (!verdict.Accepted)
        {
            Refuse(RefusalReason.DatapathId, session.Peer, verdict.Detail);
            await session.DisposeAsync().ConfigureAwait(false);
            return;
        }
        await _admission.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Current is { } old)
            {
                // An old session of another datapath no longer matches the binding; one of ours stays if it still answers.
                if (old.DatapathId == session.DatapathId && await old.AnswersEchoAsync(_options.ReplaceProbeTimeout).ConfigureAwait(false))
                {
                    Refuse(RefusalReason.SessionAlive, session.Peer, $"session {old.Id} of datapath {old.DatapathIdText} is up and answers echo");
                    await session.DisposeAsync().ConfigureAwait(false);
                    return;
                }
                LogReplacing(session.Id, old.Id, old.DatapathIdText, old.DatapathId == session.DatapathId ? "it did not answer echo" : "it is not the bound datapath any more");
                await old.DisposeAsync().ConfigureAwait(false);
            }
            try
            {
                await session.ActivateAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Refuse(RefusalReason.Handshake, session.Peer, e.Message);
                await session.DisposeAsync().ConfigureAwait(false);
                return;
            }
            _current = session;
            if (_stop.IsCancellationRequested) await session.DisposeAsync().ConfigureAwait(false); // admitted while the listener stopped
        }
        finally
        {
            _admission.Release();
        }
    }

    private void Refuse(RefusalReason reason, string peer, string detail)
    {
        Refusals.Count(reason);
        LogRefused(peer, SessionRefusals.Label(reason), detail);
    }

    private static string Describe(Socket connection) =>
        connection.RemoteEndPoint?.ToString() is { Length: > 0 } remote ? remote : "unix socket";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_accepting is not null) await _accepting.ConfigureAwait(false);
        if (_current is not null) await _current.DisposeAsync().ConfigureAwait(false);
        _socketFile?.Remove();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OpenFlow channel listening on {Endpoint} for {Datapath}")]
    private partial void LogListening(string endpoint, string datapath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Datapath} is not known yet ({Problem}); the switch is accepted once OVSDB confirms its datapath")]
    private partial void LogDatapathUnknown(string datapath, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "accepting an OpenFlow connection failed: {Reason}")]
    private partial void LogAcceptFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused OpenFlow connection from {Peer} ({Reason}): {Detail}")]
    private partial void LogRefused(string peer, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "session {New} replaces session {Old} of switch {DatapathId}: {Why}")]
    private partial void LogReplacing(long @new, long old, string datapathId, string why);
}
