namespace Appliance.Policy;

/// <summary>What the switch and the kernel say about links, and what a switch restart excuses.</summary>
public sealed partial class FailoverPolicy
{
    /// <summary>
    /// How long after a reconnected switch confirmed our rules (or reconnected, if it never does)
    /// the failed probes of a server that has not answered since may still be the switch's.
    /// </summary>
    public static readonly TimeSpan SwitchSettle = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Downs this shortly before the switch disconnected do not count towards flapping: a switch
    /// that stops stops forwarding a moment before its connection closes, and probes notice first.
    /// </summary>
    public static readonly TimeSpan SwitchLookback = TimeSpan.FromSeconds(2);

    // Disconnected: no probe failure counts.
    private bool _switchAway;
    // Reconnected: failures of a server that has not answered since still do not count, until then.
    private TimeSpan _settleUntil;
    private readonly bool[] _unproven;
    // The switch holds our rules since it last connected: it forwards what this box wants, keepalived's adverts included.
    private bool _rulesIn;

    private void OnSwitchDisconnected(TimeSpan now)
    {
        _connected = false;
        _switchAway = true;
        _rulesIn = false;
        Array.Fill(_unproven, true);
        var forgiven = new List<string>();
        for (var i = 0; i < _servers.Length; i++)
        {
            var server = _servers[i];
            var downs = server.Downs.RemoveAll(t => now - t <= SwitchLookback);
            if (downs.Length != server.Downs.Length) forgiven.Add(server.Name);
            _servers[i] = server with { FailureRun = 0, Downs = downs };
        }
        Log(now, EventKind.SwitchDisconnected, null, "switch disconnected; it keeps forwarding with the rules it has; probe failures do not count against servers until it is back"
            + (forgiven.Count == 0 ? "" : $"; the downs of {string.Join(", ", forgiven)} in the last {SwitchLookback.TotalSeconds:0} s do not count as flaps"));
    }

    /// <summary>Back after a disconnect: the grace is bounded from now on, even if our rules are never confirmed.</summary>
    private void OnSwitchBack(TimeSpan now)
    {
        if (!_switchAway) return;
        _switchAway = false;
        _settleUntil = now + SwitchSettle;
    }

    /// <summary>The reconnected switch holds our rules: the servers have <see cref="SwitchSettle"/> from now to answer.</summary>
    private void OnRulesConfirmed(TimeSpan now)
    {
        _rulesIn = true;
        if (now < _settleUntil) _settleUntil = now + SwitchSettle;
        ListenThroughTheSwitch(now);
    }

    /// <summary>Whether a failed probe of server <paramref name="i"/> may be the switch's doing rather than the server's.</summary>
    private bool Excused(int i, TimeSpan now) => _switchAway || (_unproven[i] && now < _settleUntil);

    private void OnLink(LinkChanged link)
    {
        var i = IndexOf(link.Server);
        if (i < 0) return;
        if (link.Source == LinkSource.Carrier)
        {
            OnCarrier(i, link);
            return;
        }
        var server = _servers[i];
        if (server.Link == (link.Up ? LinkState.Up : LinkState.Down)) return;
        if (link.Up)
        {
            LinkUp(i, link.At);
            return;
        }
        if (server.Carrier == LinkState.Up)
        {
            // The switch dropped the port while the kernel still sees its carrier: the switch's own
            // doing (ovs-vswitchd removes and re-adds its ports when it restarts), not the server's.
            // The port takes no traffic meanwhile, but the server's health stands and it is no flap.
            Log(link.At, EventKind.LinkDown, server.Name, $"{server.Name}: port down in the switch; its carrier is up, so this does not count against the server");
            _servers[i] = server with { Link = LinkState.Down };
            return;
        }
        LinkDown(i, link.At);
    }

    private void OnCarrier(int i, LinkChanged link)
    {
        var server = _servers[i] with { Carrier = link.Up ? LinkState.Up : LinkState.Down };
        _servers[i] = server;
        if (link.Up)
        {
            if (server.Link != LinkState.Up) LinkUp(i, link.At);
            return;
        }
        // A lost carrier is the cable, the NIC or the server's power: a server failure, also when
        // the switch reported the port down first (and it was not counted then).
        if (server.Link != LinkState.Down || server.Health != HealthState.Down) LinkDown(i, link.At);
    }

    private void LinkDown(int i, TimeSpan at)
    {
        var server = _servers[i];
        if (server.Link != LinkState.Down) Log(at, EventKind.LinkDown, server.Name, $"{server.Name}: link down");
        // A dead link is a dead server: it has to prove itself again before it serves.
        _servers[i] = server with { Link = LinkState.Down };
        MarkDown(i, at, "link down");
        MarkHardDown(i, at, "link down");
    }

    private void LinkUp(int i, TimeSpan at)
    {
        var server = _servers[i];
        var needsProbes = !LinkIsTheProbe && server.Link != LinkState.Unknown && server.Health != HealthState.Up;
        Log(at, EventKind.LinkUp, server.Name, needsProbes
            ? $"{server.Name}: link up; back in service after {_health.Rise} good probes"
            : $"{server.Name}: link up");
        _servers[i] = server with { Link = LinkState.Up, SuccessRun = 0, FailureRun = 0 };
        if (LinkIsTheProbe && server.Health != HealthState.Up) MarkUp(i, at, "link up");
    }
}
