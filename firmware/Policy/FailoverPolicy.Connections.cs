namespace Appliance.Policy;

/// <summary>Soft and hard down: when the connections a server already carries leave it.</summary>
/// <remarks>
/// A server that fails <c>fall</c> probes in a row is down for new connections at once, but the
/// connections it carries stay with it: a server that stalled for a moment (a garbage collection, a
/// busy disk) answers them again and nobody notices. They move to the next server (hard-down) only
/// once the server is surely gone: its link died, it refused or reset a probe (its service is not
/// running), or it has been silent for <c>health.hard_down</c> since it last answered. A server held
/// down for flapping or drained by the operator is never hard-down for that: its connections drain.
/// </remarks>
public sealed partial class FailoverPolicy
{
    private void MarkHardDown(int i, TimeSpan now, string why)
    {
        var server = _servers[i];
        if (server.HardDown) return;
        _servers[i] = server with { HardDown = true };
        Log(now, EventKind.HardDown, server.Name, $"{server.Name} hard-down ({why}): its established connections move to the next server");
    }

    /// <summary>When a down server that stays silent becomes hard-down; null when it is not waiting for that.</summary>
    private TimeSpan? HardDownAt(ServerStatus server) =>
        server.Health == HealthState.Down && !server.HardDown && server.LastAnswer is { } last ? last + _health.HardDown : null;

    private void ExpireSilence(TimeSpan now)
    {
        // A disconnected switch cannot be told, and its probe failures are excused: nothing to decide.
        if (_switchAway) return;
        for (var i = 0; i < _servers.Length; i++)
        {
            var server = _servers[i];
            if (HardDownAt(server) is { } at && at <= now)
            {
                MarkHardDown(i, now, $"silent for {(now - server.LastAnswer!.Value).TotalMilliseconds:0} ms");
            }
        }
    }

    private TimeSpan? NextHardDown(TimeSpan now)
    {
        TimeSpan? next = null;
        foreach (var server in _servers)
        {
            if (HardDownAt(server) is { } at && at > now && (next is null || at < next)) next = at;
        }
        return next;
    }
}
