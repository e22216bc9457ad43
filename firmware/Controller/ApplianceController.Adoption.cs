using Appliance.Pipeline;
using Appliance.Policy;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    /// <summary>
    /// A switch connected: it is read back (without waiting for the answer) before anything is
    /// sent, since what it holds tells what the firmware decided before it restarted.
    /// </summary>
    private void OnSessionUp(ISwitchChannel session)
    {
        _session = session;
        _adopted = false;
        _confirmed = false;
        _work = null;
        WatchCarriers(session);
        Start(session, new ReadBack(Adopting: true, Version: null), () => ReadSwitchAsync(session));
        Publish();
    }

    /// <summary>
    /// The new session's rules are known: learn from them what the firmware decided before it
    /// restarted and the server MACs it used, then program only the difference.
    /// </summary>
    private void Adopt(ISwitchChannel session, RuleSet held)
    {
        _installed = held;
        _adopted = true;
        if (_readManagementMac?.Invoke() is { } management && management != _managementMac)
        {
            _managementMac = management;
            LogManagementMac(management.ToString());
        }
        foreach (var (server, mac) in _builder.MacsOf(held))
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
        Decide(new SwitchConnected(Now, _builder.ServersOf(held), live), force: true);
        // ARP that failed before the switch forwarded anything can succeed now: try again at once.
        _resolveNow.Release();
    }

    /// <summary>
    /// Tells the carrier watch which interface is which server, beside the loop: rtnetlink only
    /// makes link loss faster, so whatever it throws is logged and changes nothing else.
    /// </summary>
    private void WatchCarriers(ISwitchChannel session)
    {
        if (_carrier is not { } carrier) return;
        var interfaces = _config.Servers
            .Where(s => session.Ports.ContainsKey(s.Port))
            .ToDictionary(s => session.Ports[s.Port].Name.ToString(), s => s.Name);
        _watching = WatchCarriersAsync(_watching, carrier, interfaces);
    }

    private async Task WatchCarriersAsync(Task previous, ICarrierWatch carrier, Dictionary<string, string> interfaces)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await carrier.WatchAsync(interfaces).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogCarrierWatchFailed(e);
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "the carrier watch failed; link state comes from the switch alone")]
    private partial void LogCarrierWatchFailed(Exception exception);
}
