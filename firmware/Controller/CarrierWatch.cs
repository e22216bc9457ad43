using Appliance.Health;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

/// <summary>
/// Watches the carrier of the servers' switch ports through rtnetlink, beside the switch's own
/// PORT_STATUS: the kernel tells us of a pulled cable directly, even while the OpenFlow channel is
/// busy or down. Which interface is which server is learned from the switch's port names.
/// </summary>
/// <param name="report">Gets server name, carrier up, and when (the policy's clock): <see cref="ApplianceController.ReportCarrier"/>.</param>
public sealed partial class CarrierWatch(MonotonicClock clock, ILoggerFactory loggers, Action<string, bool, TimeSpan> report) : ICarrierWatch
{
    private readonly ILogger _logger = loggers.CreateLogger<CarrierWatch>();
    private Dictionary<string, string> _servers = [];
    private LinkMonitor? _monitor;

    /// <summary>Watches these interfaces (interface name → server name); restarts the monitor only when the set changes.</summary>
    public async Task WatchAsync(IReadOnlyDictionary<string, string> servers)
    {
        // Ports without a kernel interface (DPDK, OVS internal) have nothing for rtnetlink to report.
        var present = servers.Where(p => Directory.Exists($"/sys/class/net/{p.Key}")).ToDictionary();
        if (_monitor is not null && present.Count == _servers.Count && present.All(p => _servers.TryGetValue(p.Key, out var s) && s == p.Value)) return;
        if (_monitor is not null) await _monitor.DisposeAsync().ConfigureAwait(false);
        _monitor = null;
        _servers = present;
        if (present.Count == 0) return;
        try
        {
            _monitor = await LinkMonitor.StartAsync(present.Keys, OnLink, clock, loggers.CreateLogger<LinkMonitor>()).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // PORT_STATUS still tells us; rtnetlink only makes it faster. Whatever fails here
            // (socket, permissions, a malformed dump) must not keep the switch from being programmed.
            LogUnavailable(e.Message);
        }
    }

    private void OnLink(LinkEvent e)
    {
        if (_servers.TryGetValue(e.Interface, out var server)) report(server, e.Up, e.At);
    }

    public async ValueTask DisposeAsync()
    {
        if (_monitor is not null) await _monitor.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "carrier watch through rtnetlink unavailable ({Reason}); link state comes from the switch alone")]
    private partial void LogUnavailable(string reason);
}
