using System.Collections.Frozen;
using System.Net.Sockets;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Health;

/// <summary>A watched interface's carrier changed. <paramref name="At"/> is monotonic time (<see cref="MonotonicClock"/>).</summary>
/// <param name="State">Why it is down, or "up": see <see cref="LinkStates"/>.</param>
public readonly record struct LinkEvent(string Interface, bool Up, TimeSpan At, string State);

/// <summary>
/// Carrier of named interfaces from rtnetlink (RTMGRP_LINK): up means administratively up with
/// carrier (IFF_UP and IFF_LOWER_UP). On the box this sees a pulled cable even while the
/// OpenFlow channel is busy, since the kernel tells us directly.
/// </summary>
/// <remarks>
/// After <see cref="StartAsync"/> every watched interface's current state is reported once (absent
/// ones as down), then only changes, in the order the kernel sent them, from one reader. If the
/// kernel drops notifications (ENOBUFS on a burst) the monitor dumps all links again and reports
/// what changed meanwhile.
/// </remarks>
public sealed partial class LinkMonitor : IAsyncDisposable
{
    private const int ReceiveBufferBytes = 1 << 20;

    private readonly Socket _socket;
    private readonly FrozenSet<string> _watched;
    private readonly Action<LinkEvent> _onChange;
    private readonly MonotonicClock _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Touched by the receive loop only, except the reads under _lock by IsUp.
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (bool Up, string State)> _reported = [];
    private readonly Dictionary<string, (bool Up, string State)> _current = [];
    private readonly Dictionary<int, string> _names = [];
    private readonly HashSet<string> _seenInDump = [];
    private uint _dumpSequence;
    private bool _dumping;
    private Task? _receiving;

    private LinkMonitor(Socket socket, IEnumerable<string> interfaces, Action<LinkEvent> onChange, MonotonicClock clock, ILogger logger)
    {
        _socket = socket;
        _watched = interfaces.ToFrozenSet(StringComparer.Ordinal);
        _onChange = onChange;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The interfaces watched.</summary>
    public IReadOnlySet<string> Interfaces => _watched;

    /// <summary>
    /// Subscribes to link changes, then reads the current state of every interface; returns once
    /// the initial state of each watched interface has been reported to <paramref name="onChange"/>.
    /// </summary>
    /// <param name="onChange">Called from one thread, in order; must be quick.</param>
    /// <exception cref="IOException">The netlink socket cannot be opened.</exception>
    public static async Task<LinkMonitor> StartAsync(
        IEnumerable<string> interfaces, Action<LinkEvent> onChange, MonotonicClock clock, ILogger<LinkMonitor> logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        ArgumentNullException.ThrowIfNull(onChange);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(logger);
        // Subscribe before dumping, so that no change between the two is lost.
        var socket = NativeSockets.OpenRouteNetlink(RouteNetlink.GroupLink, ReceiveBufferBytes);
        var monitor = new LinkMonitor(socket, interfaces, onChange, clock, logger);
        try
        {
            monitor._receiving = Task.Run(monitor.ReceiveLoopAsync, CancellationToken.None);
            await monitor.RequestDumpAsync().ConfigureAwait(false);
            await monitor._ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await monitor.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        monitor.LogStarted(string.Join(", ", monitor._watched));
        return monitor;
    }

    /// <summary>The last reported state: true up, false down, null when not watched.</summary>
    public bool? IsUp(string name)
    {
        lock (_lock) return _reported.TryGetValue(name, out var state) ? state.Up : null;
    }

    private async Task RequestDumpAsync()
    {
        _dumpSequence++;
        _dumping = true;
        _seenInDump.Clear();
        await _socket.SendAsync(RouteNetlink.DumpRequest(_dumpSequence), SocketFlags.None, _stop.Token).ConfigureAwait(false);
    }

    private async Task ReceiveLoopAsync()
    {
        // A link dump answers in datagrams of up to a page or so each; 64 KiB holds any of them.
        var buffer = new byte[64 * 1024];
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
            {
                // The kernel dropped notifications: read everything again.
                LogOverrun();
                await RequestDumpAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            catch (SocketException e)
            {
                LogReceiveFailed(e.SocketErrorCode);
                _ready.TrySetException(e);
                await Task.Delay(100, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            var at = _clock.Now;
            if (!RouteNetlink.Parse(buffer.AsSpan(0, length), (in LinkMessage message) => Handle(message, at)))
            {
                LogMalformed(length);
            }
        }
    }

    private void Handle(in LinkMessage message, TimeSpan at)
    {
        switch (message.Kind)
        {
            case LinkMessageKind.Link:
                if (_names.TryGetValue(message.Index, out var previous) && previous != message.Name)
                {
                    // Renamed: the old name is gone.
                    _names.Remove(message.Index);
                    Update(previous, false, LinkStates.Absent, at);
                }
                if (message.Name is null || !_watched.Contains(message.Name)) return;
                _names[message.Index] = message.Name;
                // A notification during the dump counts as seen too: the link may have appeared after the dump passed it.
                if (_dumping) _seenInDump.Add(message.Name);
                Update(message.Name, message.IsUp, message.State, at);
                break;
            case LinkMessageKind.Deleted:
                string? name = message.Name ?? (_names.TryGetValue(message.Index, out var known) ? known : null);
                _names.Remove(message.Index);
                if (name is null || !_watched.Contains(name)) return;
                _seenInDump.Remove(name);
                Update(name, false, LinkStates.Absent, at);
                break;
            case LinkMessageKind.DumpDone when _dumping && message.Sequence == _dumpSequence:
                _dumping = false;
                foreach (var watched in _watched)
                {
                    if (!_seenInDump.Contains(watched)) Update(watched, false, LinkStates.Absent, at);
                }
                // The first dump's states go out together, once, in a stable order.
                if (!_ready.Task.IsCompleted)
                {
                    foreach (var watched in _watched.Order(StringComparer.Ordinal)) Report(watched, at);
                    _ready.TrySetResult();
                }
                break;
            case LinkMessageKind.Error when message.Index != 0:
                LogKernelError(message.Index);
                _ready.TrySetException(new IOException($"rtnetlink refused the link dump (errno {message.Index})"));
                break;
            default:
                break;
        }
    }

    private void Update(string name, bool up, string state, TimeSpan at)
    {
        _current[name] = (up, state);
        if (_ready.Task.IsCompleted) Report(name, at);
    }

    /// <summary>Reports <paramref name="name"/>'s current state if it differs from the last one reported.</summary>
    private void Report(string name, TimeSpan at)
    {
        var current = _current[name];
        lock (_lock)
        {
            if (_reported.TryGetValue(name, out var last) && last.Up == current.Up) return;
            _reported[name] = current;
        }
        LogChanged(name, current.State);
        try
        {
            _onChange(new LinkEvent(name, current.Up, at, current.State));
        }
        catch (Exception e)
        {
            LogHandlerFailed(e, name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        if (_receiving is not null) await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "watching the carrier of {Interfaces}")]
    private partial void LogStarted(string interfaces);

    [LoggerMessage(Level = LogLevel.Information, Message = "link {Interface}: {State}")]
    private partial void LogChanged(string @interface, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rtnetlink dropped link notifications; reading all links again")]
    private partial void LogOverrun();

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading rtnetlink failed: {Error}")]
    private partial void LogReceiveFailed(SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "malformed rtnetlink datagram of {Length} bytes ignored")]
    private partial void LogMalformed(int length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rtnetlink answered errno {Errno}")]
    private partial void LogKernelError(int errno);

    [LoggerMessage(Level = LogLevel.Error, Message = "handling the link change of {Interface} threw")]
    private partial void LogHandlerFailed(Exception e, string @interface);
}
