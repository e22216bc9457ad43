using Appliance.Api;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    private static readonly TimeSpan ConnectionReadInterval = TimeSpan.FromSeconds(2);

    private Func<IReadOnlyList<ushort>, CancellationToken, Task<ConntrackLimits>>? _readZones;

    /// <summary>The connections each server carries, read from its conntrack zone.</summary>
    public ConnectionCounts Connections { get; } = new();

    /// <summary>
    /// Count each server's connections with <paramref name="read"/> (on the box: ovs-vswitchd's
    /// <c>dpctl/ct-get-limits</c>, bounded in time), given the servers' zones in priority order.
    /// Without it every count stays unknown. Call before <see cref="RunAsync"/>.
    /// </summary>
    public void CountConnectionsWith(Func<IReadOnlyList<ushort>, CancellationToken, Task<ConntrackLimits>> read) => _readZones = read;

    /// <summary>
    /// Reads the servers' zones now and every <see cref="ConnectionReadInterval"/> into
    /// <see cref="Connections"/>. Beside the loop, not in it: a slow or absent ovs-vswitchd delays
    /// no decision. Why counts are unknown is logged when that changes, not on every reading.
    /// </summary>
    private async Task CountConnectionsAsync(CancellationToken stop)
    {
        if (_readZones is not { } read) return;
        // Off the caller's thread at once: a first reading that completes synchronously must not hold up the loop's start.
        await Task.Yield();
        ushort[] zones = [.. _config.Servers.Select((_, priority) => _builder.ZoneOf(priority))];
        using var timer = new PeriodicTimer(ConnectionReadInterval, _time);
        ConnectionsUnknown? told = null;
        try
        {
            do
            {
                var unknown = await ReadConnectionsAsync(read, zones, stop).ConfigureAwait(false);
                if (unknown == told) continue;
                if (unknown is null) LogConnectionsKnown();
                else if (unknown.Failed) LogConnectionsUnreadable(unknown.Reason);
                else LogConnectionsUncounted(unknown.Reason);
                told = unknown;
            }
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Publishes one reading; null when every count is known, else why not.</summary>
    private async Task<ConnectionsUnknown?> ReadConnectionsAsync(Func<IReadOnlyList<ushort>, CancellationToken, Task<ConntrackLimits>> read, ushort[] zones, CancellationToken stop)
    {
        var counts = new Dictionary<string, uint?>();
        try
        {
            var limits = await read(zones, stop).ConfigureAwait(false);
            var uncounted = new List<string>();
            for (var priority = 0; priority < zones.Length; priority++)
            {
                var server = _config.Servers[priority].Name;
                counts[server] = limits.CountOf(zones[priority]);
                if (counts[server] is null) uncounted.Add($"{zones[priority]} ({server})");
            }
            Connections.Publish(counts);
            return uncounted.Count == 0 ? null : new ConnectionsUnknown(
                $"conntrack zone{(uncounted.Count == 1 ? "" : "s")} {string.Join(", ", uncounted)} {(uncounted.Count == 1 ? "has" : "have")} no limit, so Open vSwitch keeps no count" +
                " (service.conntrack_limit is off, or the bridge set-up did not apply it)", Failed: false);
        }
        catch (UnixctlException e)
        {
            Connections.Publish(counts);
            return new ConnectionsUnknown(e.Message, Failed: true);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            Connections.Publish(counts);
            return new ConnectionsUnknown("the reading was cancelled before ovs-vswitchd answered", Failed: true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever went wrong, the counts must not stay frozen at their last values: unknown, and said why.
            Connections.Publish(counts);
            return new ConnectionsUnknown($"reading them failed: {e.Message}", Failed: true);
        }
    }

    /// <summary>Why the connection counts are unknown; <paramref name="Failed"/>: ovs-vswitchd could not be asked, rather than keeping no count.</summary>
    private sealed record ConnectionsUnknown(string Reason, bool Failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "connections per server are unknown until ovs-vswitchd can be asked: {Reason}")]
    private partial void LogConnectionsUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "connections per server are unknown: {Reason}")]
    private partial void LogConnectionsUncounted(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "connections per server are counted (conntrack, every 2 s)")]
    private partial void LogConnectionsKnown();
}
