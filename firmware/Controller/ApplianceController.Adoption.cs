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
        _failedAdoptionReads = 0;
        _replaceAll = false;
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
        Decide(new SwitchConnected(Now, _builder.ServersOf(held), live, _builder.HardDownOf(held)), force: true);
        TellOfficeLink(session);
        // ARP that failed before the switch forwarded anything can succeed now: try again at once.
        _resolveNow.Release();
    }

    /// <summary>
    /// A read of the new session's rules failed. The heartbeat tries again; a switch that cannot be
    /// read <see cref="AdoptionReads"/> times (a rule the codec does not know, put there by hand, or
    /// a switch that refuses the request) is adopted as holding nothing we know, and emptied before
    /// it is programmed: a switch left unprogrammed while the status looked fine would be worse.
    /// </summary>
    private void AdoptionReadFailed(ISwitchChannel session, string reason)
    {
        _failedAdoptionReads++;
        if (_failedAdoptionReads < AdoptionReads)
        {
            LogAdoptionReadFailed(reason, _failedAdoptionReads, AdoptionReads);
            return;
        }
        LogSwitchUnreadable(AdoptionReads, reason);
        _replaceAll = true;
        Adopt(session, RuleSet.Empty);
    }

    /// <summary>On the heartbeat: a connected switch whose rules could not be read yet is read again.</summary>
    private void RetryAdoption()
    {
        if (!_adopted && _session is { IsClosed: false } && _work is null) Program();
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
        ValueList<MeterConfig> meters;
        try
        {
            meters = await session.ReadMeterConfigAsync().ConfigureAwait(false);
        }
        catch (OpenFlowErrorException)
        {
            // A datapath without meters: passive health's reports then go unmetered (docs/configuration.md).
            meters = [];
        }
        return RuleSet.FromSwitch(flows, groups, meters);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading the switch's rules failed: {Reason}")]
    private partial void LogReadFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading the new switch's rules failed ({Tries} of {Of}; tried again every second): {Reason}")]
    private partial void LogAdoptionReadFailed(string reason, int tries, int of);

    [LoggerMessage(Level = LogLevel.Error, Message = "the switch's rules could not be read {Tries} times ({Reason}): it is emptied and programmed anew")]
    private partial void LogSwitchUnreadable(int tries, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "server {Server} is on OpenFlow port {Port}, which bridge {Bridge} does not have (see ovs-config)")]
    private partial void LogMissingPort(string server, uint port, string bridge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the carrier watch failed; link state comes from the switch alone")]
    private partial void LogCarrierWatchFailed(Exception exception);
}
