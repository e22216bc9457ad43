using System.Collections.Concurrent;
using System.Net;
using Appliance.Api;
using Appliance.Config;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

/// <summary>
/// Server MACs the configuration does not give, and the management port's MAC: learned, followed
/// when they change, and refused when they would take what belongs to another.
/// </summary>
/// <remarks>
/// ARP answers are trusted because of where they can come from: the switch's address guard lets
/// only a server's own port claim its address, so ARP from a server's address that reaches the
/// management port was sent from the server's port. That makes both the periodic request and a
/// gratuitous ARP (a replaced NIC announcing itself) good evidence.
/// </remarks>
public sealed partial class ApplianceController
{
    private static readonly TimeSpan MacRetry = TimeSpan.FromSeconds(1);

    /// <summary>How often a learned MAC is asked for again: a replaced NIC is followed within this, or at once when it announces itself.</summary>
    private static readonly TimeSpan MacRefresh = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, MacAddress> _heard = new(StringComparer.Ordinal);
    private readonly HashSet<(string Server, MacAddress Mac)> _refusedMacs = [];
    // When each server's learned MAC last changed: a port that alternates MACs must not flood the log and the switch.
    private readonly Dictionary<string, TimeSpan> _macChangedAt = new(StringComparer.Ordinal);

    /// <summary>
    /// A learned MAC changes at most this often. A NIC swap needs one change; more, faster, is a
    /// port that sends from two MACs, and each change would cost an event, a warning and a batch.
    /// What is skipped is not lost: the refresh asks again within <see cref="MacRefresh"/>.
    /// </summary>
    private static readonly TimeSpan MacChangeSpacing = TimeSpan.FromSeconds(1);
    private Func<MacAddress?>? _readManagementMac;
    private MacAddress? _managementMac;

    /// <summary>
    /// Where the management port's MAC is read (on the box, the bridge's internal interface): the
    /// guard binds it to that port. Re-read with the server MACs, so a port recreated with another
    /// MAC (ovs-vswitchd restarted) is followed. Call before <see cref="RunAsync"/>.
    /// </summary>
    public void ReadManagementMacWith(Func<MacAddress?> read) => _readManagementMac = read;

    /// <summary>
    /// An ARP packet from <paramref name="sender"/> reached the management port. When that is a
    /// server whose MAC is learned, its sender MAC is taken as the server's (see the remarks above).
    /// </summary>
    public void ReportArp(IPAddress sender, MacAddress mac)
    {
        foreach (var server in _config.Servers)
        {
            if (server.Mac is not null || !server.Address.Equals(sender)) continue;
            // Every probe's answer says the same: only a difference is worth the loop's time.
            if (_heard.TryGetValue(server.Name, out var last) && last == mac) return;
            _heard[server.Name] = mac;
            Post(new MacLearned(server.Name, mac));
            return;
        }
    }

    /// <summary>
    /// Asks ARP for every server the config gives no MAC: once a second (or at once after the
    /// switch is adopted) until each has answered, then every <see cref="MacRefresh"/>. A server
    /// that does not answer keeps the MAC it had. Runs beside the loop; answers go through the queue.
    /// </summary>
    private async Task WatchMacsAsync(CancellationToken stop)
    {
        var learned = _resolveMac is null ? [] : _config.Servers.Where(s => s.Mac is null).ToArray();
        if (learned.Length == 0 && _readManagementMac is null) return;
        var answered = new HashSet<string>(StringComparer.Ordinal);
        while (!stop.IsCancellationRequested)
        {
            if (_readManagementMac?.Invoke() is { } management) Post(new ManagementMacRead(management));
            var macs = await Task.WhenAll(learned.Select(s => ResolveAsync(s, stop))).ConfigureAwait(false);
            for (var i = 0; i < learned.Length; i++)
            {
                if (macs[i] is not { } mac) continue;
                answered.Add(learned[i].Name);
                Post(new MacLearned(learned[i].Name, mac));
            }
            // The retry runs on the controller's clock, so a test's clock drives it as it drives every other timer.
            using var retry = new CancellationTokenSource(answered.Count == learned.Length ? MacRefresh : MacRetry, _time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop, retry.Token);
            try
            {
                await _resolveNow.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One server's MAC, or null: whatever the resolver throws (a socket disposed while the
    /// management port is made anew, a send refused) is a try that got no answer, never the end of
    /// the MAC watch, which would leave NIC swaps unfollowed without a sign.
    /// </summary>
    private async Task<MacAddress?> ResolveAsync(ServerConfig server, CancellationToken stop)
    {
        try
        {
            return await _resolveMac!(server, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e)
        {
            LogResolveFailed(server.Name, e.Message);
            return null;
        }
    }

    /// <summary>ServersReachable completes once the rules with every MAC are confirmed.</summary>
    private void LearnMac(string server, MacAddress mac)
    {
        // A configured MAC is the operator's word: nothing on the wire changes it.
        if (_config.FindServer(server) is not { Mac: null }) return;
        var had = _macs.TryGetValue(server, out var known);
        if (had && known == mac) return;
        if (WhyRefused(server, mac) is { } why)
        {
            if (_refusedMacs.Add((server, mac))) LogMacRefused(server, mac.ToString(), why);
            return;
        }
        if (had && _macChangedAt.TryGetValue(server, out var changed) && Now - changed < MacChangeSpacing)
        {
            // Heard again (ReportArp keeps only the last MAC it passed on) once the spacing is over.
            _heard.TryRemove(server, out _);
            return;
        }
        if (had) _macChangedAt[server] = Now;
        _macs[server] = mac;
        if (had)
        {
            var message = $"{server}'s MAC changed from {known} to {mac}";
            Events.Add(new LoggedEvent(_time.GetUtcNow(), EventKind.MacChanged, server, message));
            LogMacChanged(message);
        }
        else
        {
            LogMacLearned(server, mac.ToString());
        }
        RequestProgram(had ? "server MAC changed" : "server MAC learned");
        Publish();
    }

    /// <summary>Why a server may not have this MAC: it is no unicast MAC, or it belongs to the VIP, the management port or another server.</summary>
    private string? WhyRefused(string server, MacAddress mac)
    {
        if (mac.IsGroup || mac.IsZero) return "not a unicast MAC";
        if (mac == _config.Service.Vmac) return "the VIP's MAC";
        if (mac == _managementMac) return "the management port's MAC";
        foreach (var (other, theirs) in _macs)
        {
            if (other != server && theirs == mac) return $"{other}'s MAC";
        }
        return null;
    }

    private void LearnManagementMac(MacAddress mac)
    {
        if (mac == _managementMac) return;
        _managementMac = mac;
        LogManagementMac(mac.ToString());
        RequestProgram("management MAC");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "asking {Server} for its MAC failed: {Reason}")]
    private partial void LogResolveFailed(string server, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Server} has MAC {Mac}")]
    private partial void LogMacLearned(string server, string mac);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private partial void LogMacChanged(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Server} answered ARP with {Mac}, {Why}: ignored")]
    private partial void LogMacRefused(string server, string mac, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "the management port has MAC {Mac}")]
    private partial void LogManagementMac(string mac);
}
