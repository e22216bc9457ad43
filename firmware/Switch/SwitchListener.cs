using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Appliance.Switch;

/// <summary>
/// The controller's end of the OpenFlow channel: listens (TCP or a unix socket) for the bridge to
/// connect, and keeps one switch session at a time. A new connection from the same datapath
/// replaces the old one (the switch restarted, or reconnected before we noticed the old one die);
/// a connection from another datapath while ours is alive is refused, since this controller
/// drives one bridge.
/// </summary>
public sealed partial class SwitchListener : IAsyncDisposable
{
    private readonly EndPoint _endpoint;
    private readonly ISwitchHandler _handler;
    private readonly SwitchSessionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _admission = new(1, 1);
    private Socket? _socket;
    private Task? _accepting;
    private SwitchSession? _current;

    public SwitchListener(EndPoint endpoint, ISwitchHandler handler, SwitchSessionOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        _endpoint = endpoint;
        _handler = handler;
        _options = options;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<SwitchListener>();
    }

    /// <summary>The session with the switch, when one is up.</summary>
    public SwitchSession? Current => _current is { IsClosed: false } session ? session : null;

    /// <summary>The address actually bound (with the real port when 0 was asked for).</summary>
    public EndPoint? LocalEndPoint => _socket?.LocalEndPoint;

    public void Start()
    {
        if (_endpoint is UnixDomainSocketEndPoint unix)
        {
            var path = unix.ToString();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // A socket file left by a previous run would make bind fail; nobody can be listening on it.
            File.Delete(path);
            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        else
        {
            _socket = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
        _socket.Bind(_endpoint);
        _socket.Listen(8);
        LogListening(_socket.LocalEndPoint?.ToString() ?? _endpoint.ToString() ?? "?");
        _accepting = Task.Run(AcceptLoopAsync);
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
            _ = AdmitAsync(connection);
        }
    }

    private async Task AdmitAsync(Socket connection)
    {
        if (connection.AddressFamily != AddressFamily.Unix) connection.NoDelay = true; // OpenFlow messages are small and latency matters
        var peer = connection.RemoteEndPoint?.ToString() is { Length: > 0 } remote ? remote : "unix socket";
        SwitchSession session;
        try
        {
            session = await SwitchSession.EstablishAsync(
                new NetworkStream(connection, ownsSocket: true), peer, _handler, _options, _time, _loggers.CreateLogger<SwitchSession>(), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogHandshakeFailed(peer, e.Message);
            return;
        }

        await _admission.WaitAsync().ConfigureAwait(false);
        try
        {
            var old = Current;
            if (old is not null && old.DatapathId != session.DatapathId)
            {
                LogRefusedSecondSwitch(session.DatapathIdText, old.DatapathIdText);
                await session.DisposeAsync().ConfigureAwait(false);
                return;
            }
            if (old is not null)
            {
                LogReplacing(old.Id, session.Id);
                await old.DisposeAsync().ConfigureAwait(false);
            }
            _current = session;
            session.AnnounceConnected();
        }
        finally
        {
            _admission.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_accepting is not null) await _accepting.ConfigureAwait(false);
        if (_current is not null) await _current.DisposeAsync().ConfigureAwait(false);
        if (_endpoint is UnixDomainSocketEndPoint unix) File.Delete(unix.ToString());
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OpenFlow channel listening on {Endpoint}")]
    private partial void LogListening(string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "accepting an OpenFlow connection failed: {Reason}")]
    private partial void LogAcceptFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OpenFlow handshake with {Peer} failed: {Reason}")]
    private partial void LogHandshakeFailed(string peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused switch {New}: this controller already drives switch {Current}")]
    private partial void LogRefusedSecondSwitch(string @new, string current);

    [LoggerMessage(Level = LogLevel.Information, Message = "session {New} replaces session {Old} of the same switch")]
    private partial void LogReplacing(long old, long @new);
}
