using Appliance.Pipeline;
using Appliance.Policy;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    /// <summary>
    /// Takes over a newly connected switch: learns what it holds (and from that, what the firmware
    /// decided before it restarted and the server MACs it used), then programs only the difference.
    /// </summary>
    private async Task AdoptSessionAsync(ISwitchChannel session)
    {
        _session = session;
        try
        {
            _installed = await ReadSwitchAsync(session).ConfigureAwait(false);
        }
        catch (SwitchException e)
        {
            LogReadFailed(e.Message);
            return;
        }
        if (_readManagementMac?.Invoke() is { } management && management != _managementMac)
        {
            _managementMac = management;
            LogManagementMac(management.ToString());
        }
        foreach (var (server, mac) in _builder.MacsOf(_installed))
        {
            _macs.TryAdd(server, mac);
        }
        var live = _config.Servers
            .Where(s => session.Ports.TryGetValue(s.Port, out var port) && port.IsLive)
            .Select(s => s.Name)
            .ToHashSet();
        foreach (var server in _config.Servers.Where(s => !session.Ports.ContainsKey(s.Port)))
        {
            LogMissingPort(server.Name, server.Port, _config.Bridge.Name);
        }
        if (_carrier is not null)
        {
            await _carrier.WatchAsync(_config.Servers
                .Where(s => session.Ports.ContainsKey(s.Port))
                .ToDictionary(s => session.Ports[s.Port].Name.ToString(), s => s.Name)).ConfigureAwait(false);
        }
        await DecideAsync(new SwitchConnected(Now, _builder.ServersOf(_installed), live), force: true).ConfigureAwait(false);
        // ARP that failed before the switch forwarded anything can succeed now: try again at once.
        _resolveNow.Release();
        _programmed.TrySetResult();
        if (_config.Servers.All(s => _macs.ContainsKey(s.Name))) _reachable.TrySetResult();
    }

    private static async Task<RuleSet> ReadSwitchAsync(ISwitchChannel session)
    {
        var flows = await session.ReadFlowStatsAsync(FlowStatsRequest.All).ConfigureAwait(false);
        var groups = await session.ReadGroupDescAsync().ConfigureAwait(false);
        return RuleSet.FromSwitch(flows, groups);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading the switch's rules failed: {Reason}")]
    private partial void LogReadFailed(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "server {Server} is on OpenFlow port {Port}, which bridge {Bridge} does not have (see ovs-config)")]
    private partial void LogMissingPort(string server, uint port, string bridge);
}
