using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    private static readonly TimeSpan MacRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Asks ARP for every server the config gives no MAC, once a second (or at once after the
    /// switch is adopted) until each has answered. Runs beside the loop; answers go through the queue.
    /// </summary>
    private async Task ResolveMissingMacsAsync(CancellationToken stop)
    {
        if (_resolveMac is null) return;
        var pending = _config.Servers.Where(s => s.Mac is null).ToList();
        while (pending.Count > 0 && !stop.IsCancellationRequested)
        {
            foreach (var server in pending.ToArray())
            {
                try
                {
                    if (await _resolveMac(server, stop).ConfigureAwait(false) is { } mac)
                    {
                        Post(new MacLearned(server.Name, mac));
                        pending.Remove(server);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            if (pending.Count == 0) return;
            // The retry runs on the controller's clock, so a test's clock drives it as it drives every other timer.
            using var retry = new CancellationTokenSource(MacRetry, _time);
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

    /// <summary>ServersReachable completes once the rules with every MAC are confirmed.</summary>
    private void LearnMac(string server, MacAddress mac)
    {
        if (_macs.TryGetValue(server, out var known) && known == mac) return;
        _macs[server] = mac;
        LogMacLearned(server, mac.ToString());
        RequestProgram("server MAC learned");
        Publish();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Server} has MAC {Mac}")]
    private partial void LogMacLearned(string server, string mac);
}
