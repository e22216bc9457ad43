using System.Collections.Immutable;
using Appliance.Config;

namespace Appliance.Policy;

/// <summary>
/// The failover policy as a pure state machine: every input goes through <see cref="Handle"/>,
/// which returns the switch state wanted, the events to log and, for requests, the answer.
/// </summary>
/// <remarks>
/// The rules, in one place:
/// <list type="bullet">
/// <item>A server goes down after <c>fall</c> failed probes in a row, or at once when its link dies;
/// it comes back only after <c>rise</c> good probes in a row: a link coming back is not enough
/// (with <c>probe: link</c>, the link is the probe).</item>
/// <item>A server that refuses <c>health.passive_refusals</c> new client connections within
/// <c>health.passive_within</c> (seen in the switch) is down and hard-down at once (FailoverPolicy.Passive.cs).</item>
/// <item>Down keeps a server's established connections on it (soft-down) until it is surely gone:
/// link dead, probe refused, or silent past <c>health.hard_down</c> (FailoverPolicy.Connections.cs).</item>
/// <item>A server that went down <see cref="HoldDownSettings.Threshold"/> times within the window
/// is held out for a while after it recovers, the hold doubling with every further down.</item>
/// <item>The active server stays while usable. When it is not, the highest-priority usable server
/// takes over. With <c>failback: auto</c> a higher-priority server takes over as soon as it is
/// usable; with <c>manual</c> only on request.</item>
/// <item>The fast-failover group lists the active server first, then the other usable servers in
/// priority order, so the switch can fall through on a dead link by itself. When no server is
/// usable, it lists every server whose link is up, drained and held-down ones included, those whose
/// probes pass first: a wrong probe must not black-hole the office.</item>
/// <item>A switch restart is not the servers' fault: failed probes do not count while the switch
/// is disconnected, nor after it reconnects until a server answers once, at most
/// <see cref="SwitchSettle"/> after our rules are confirmed; downs just before a disconnect are no
/// flaps; a port the switch drops while the kernel's carrier stays up is no server failure.</item>
/// <item>A long press drains the serving server (maintenance): it takes no traffic while another
/// server is usable. Any failback request ends every drain, whether or not service moves.</item>
/// </list>
/// </remarks>
public sealed partial class FailoverPolicy
{
    private readonly HealthConfig _health;
    private readonly HoldDownSettings _holdDown;
    private readonly FailbackMode _failback;
    private readonly List<PolicyEvent> _events = [];
    private ServerStatus[] _servers;
    private string? _active;
    private bool _connected;
    private int _failovers;
    private DesiredSwitchState _desired = new([], null);

    public FailoverPolicy(ApplianceConfig config, HoldDownSettings? holdDown = null)
    {
        _health = config.Health;
        _failback = config.Failback;
        _holdDown = holdDown ?? HoldDownSettings.From(config.Health);
        _servers = [.. config.Servers.Select((s, i) => ServerStatus.Initial(s.Name, i))];
        _unproven = new bool[_servers.Length];
        _refusals = [.. _servers.Select(_ => new Queue<TimeSpan>())];
    }

    public PolicyState State => new([.. _servers], _active, _connected, _failovers, _failback, _desired, Intent, _pair);

    /// <summary>The pair's status, as <see cref="State"/> has it without copying the rest: a new instance whenever it changes.</summary>
    public PairStatus? Pair => _pair;

    private bool LinkIsTheProbe => _health.Probe == ProbeKind.Link;

    public PolicyDecision Handle(PolicyInput input)
    {
        _events.Clear();
        RequestOutcome? reply = null;
        var now = input.At;
        switch (input)
        {
            case SwitchConnected connected:
                Adopt(connected);
                break;
            case SwitchDisconnected:
                OnSwitchDisconnected(now);
                break;
            case RulesConfirmed:
                OnRulesConfirmed(now);
                break;
            case LinkChanged link:
                OnLink(link);
                break;
            case ProbeResult probe:
                OnProbe(probe);
                break;
            case ClientRefused refused:
                OnRefused(refused);
                break;
            case FailbackRequested { Press: true } request when IsStandbyBox:
                // The one button: on the standby box of a pair a short press means "take over".
                reply = OnPairMove(new PairMoveRequested(request.At, PairMoveKind.Takeover, request.Source));
                break;
            case FailbackRequested request:
                reply = OnFailback(request);
                break;
            case MoveRequested request:
                reply = OnMove(request);
                break;
            case IntentRestored restored:
                Restore(restored);
                break;
            case PairStarted started:
                OnPairStarted(started);
                CarryPairSettings(started);
                CarryOfficeLink();
                break;
            case OfficeLinkChanged office:
                OnOfficeLink(office);
                break;
            case PairPathChanged path:
                OnKeepalivedBack(path);
                OnPairPath(path);
                break;
            case PairMoveRequested move:
                reply = OnPairMove(move);
                break;
            case PairKeepalivedLost lost:
                OnKeepalivedLost(lost);
                break;
            case PairSettingsCompared settings:
                OnPairSettings(settings);
                break;
            case Tick:
                break;
        }
        ExpireHolds(now);
        ExpireSilence(now);
        Select(now, input is SwitchConnected);
        DecidePairRole(now);
        FollowOffice(now);
        FollowPairMove(now);
        FollowPairFault(now);
        var desired = IsStandbyBox ? StandbyBox : Buckets(now);
        var changed = !desired.Equals(_desired);
        _desired = desired;
        return new PolicyDecision(desired, changed, [.. _events], reply, NextWake(now));
    }

    private void Adopt(SwitchConnected connected)
    {
        _connected = true;
        OnSwitchBack(connected.At);
        var now = connected.At;
        var group = connected.GroupServers;
        Log(now, EventKind.SwitchConnected, null, group is null
            ? "switch connected; it has no failover group yet"
            : $"switch connected; its failover group sends to [{string.Join(", ", group)}]");
        for (var i = 0; i < _servers.Length; i++)
        {
            var server = _servers[i];
            var live = connected.LiveServers.Contains(server.Name);
            if (server.Health == HealthState.Unknown)
            {
                // Before any probe has answered, trust what the switch was doing: it is what the
                // firmware decided before it restarted. On a first start there is nothing to go on,
                // so every server with a live link is presumed healthy until probes say otherwise.
                // A server left out of the group keeps its connections unless the switch already moved
                // them; its silence is counted from now, as nothing older is known.
                var presumedUp = live && (LinkIsTheProbe || group is null || group.Contains(server.Name));
                _servers[i] = server with
                {
                    Link = live ? LinkState.Up : LinkState.Down,
                    Health = presumedUp ? HealthState.Up : HealthState.Down,
                    LastDetail = !live ? "link down" : presumedUp ? "presumed healthy" : "not in the switch's group",
                    HardDown = !live || (!presumedUp && connected.HardDown?.Contains(server.Name) == true),
                    LastAnswer = now,
                };
                if (!live) Log(now, EventKind.LinkDown, server.Name, $"{server.Name}: link down");
                continue;
            }
            // Reconnected (the switch restarted) while the firmware kept running: keep what probes said.
            if (live != (server.Link == LinkState.Up)) OnLink(new LinkChanged(now, server.Name, live));
        }
        ResumeHold(now);
        if (_active is null && group is { Count: > 0 } && Find(group[0]) is { } first && first.IsUsable(now))
        {
            _active = first.Name;
            Log(now, EventKind.Serving, first.Name, $"{first.Name} is serving, as before the restart");
        }
    }

    private void OnProbe(ProbeResult probe)
    {
        var i = IndexOf(probe.Server);
        if (i < 0 || LinkIsTheProbe) return;
        var server = _servers[i];
        if (probe.Healthy)
        {
            _unproven[i] = false;
            server = server with { SuccessRun = server.SuccessRun + 1, FailureRun = 0, LastDetail = probe.Detail, LastAnswer = probe.At };
            _servers[i] = server;
            if (server.Health != HealthState.Up && server.SuccessRun >= _health.Rise && server.Link != LinkState.Down)
            {
                MarkUp(i, probe.At, $"{server.SuccessRun} good probes");
            }
        }
        else if (Excused(i, probe.At))
        {
            _servers[i] = server with { LastDetail = $"{probe.Detail} (not counted: the switch is restarting or reconnecting)" };
        }
        else
        {
            server = server with { FailureRun = server.FailureRun + 1, SuccessRun = 0, LastDetail = probe.Detail };
            _servers[i] = server;
            if (server.Health != HealthState.Down && server.FailureRun >= _health.Fall)
            {
                MarkDown(i, probe.At, $"{server.FailureRun} failed probes: {probe.Detail}");
            }
            if (probe.Refused && _servers[i].Health == HealthState.Down) MarkHardDown(i, probe.At, probe.Detail);
        }
    }

    private void MarkDown(int i, TimeSpan now, string why)
    {
        var server = _servers[i];
        var wasUp = server.Health == HealthState.Up;
        // Only a fall from healthy counts towards flapping; a server found down at start does not.
        var recent = server.Downs.Where(t => now - t < _holdDown.Window);
        var downs = (wasUp ? recent.Append(now) : recent).ToImmutableArray();
        if (server.Health != HealthState.Down) Log(now, EventKind.HealthDown, server.Name, $"{server.Name} down: {why}");
        _servers[i] = server with { Health = HealthState.Down, SuccessRun = 0, Downs = downs, LastDetail = why, LastAnswer = server.LastAnswer ?? now };
    }

    private void MarkUp(int i, TimeSpan now, string why)
    {
        var server = _servers[i];
        var downs = server.Downs.Where(t => now - t < _holdDown.Window).ToImmutableArray();
        var hold = _holdDown.HoldFor(downs.Length);
        TimeSpan? heldUntil = hold > TimeSpan.Zero ? now + hold : null;
        _servers[i] = server with { Health = HealthState.Up, FailureRun = 0, Downs = downs, HeldUntil = heldUntil, LastDetail = why, HardDown = false, LastAnswer = now };
        if (heldUntil is not null)
        {
            Log(now, EventKind.HeldDown, server.Name,
                $"{server.Name} healthy again ({why}) but flapping: {downs.Length} downs in {_holdDown.Window.TotalSeconds:0} s, held out for {hold.TotalSeconds:0} s");
        }
        else
        {
            Log(now, EventKind.HealthUp, server.Name, $"{server.Name} healthy: {why}");
        }
    }

    private void ExpireHolds(TimeSpan now)
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            var server = _servers[i];
            if (server.HeldUntil is { } until && until <= now)
            {
                _servers[i] = server with { HeldUntil = null };
                if (server.Health == HealthState.Up) Log(now, EventKind.HoldDownEnded, server.Name, $"{server.Name}: hold-down over");
            }
        }
    }

    private void Select(TimeSpan now, bool justConnected)
    {
        var best = _servers.Where(s => s.IsUsable(now)).OrderBy(s => s.Priority).FirstOrDefault();
        var current = _active is null ? null : Find(_active);
        if (current is not null && current.IsUsable(now))
        {
            if (_failback == FailbackMode.Auto && best is not null && best.Priority < current.Priority)
            {
                _active = best.Name;
                Log(now, EventKind.Failback, best.Name, $"failback to {best.Name} from {current.Name}");
            }
            return;
        }
        if (best is null)
        {
            if (current is not null || justConnected)
            {
                if (current is not null) _failovers++;
                _active = null;
                Log(now, EventKind.NoHealthyServer, null, "no server is healthy: forwarding to every server whose link is up");
            }
            return;
        }
        _active = best.Name;
        if (current is null)
        {
            Log(now, EventKind.Serving, best.Name, $"{best.Name} is serving");
            return;
        }
        _failovers++;
        Log(now, EventKind.Failover, best.Name, $"failover from {current.Name} to {best.Name} ({Describe(current, now)})");
    }

    private DesiredSwitchState Buckets(TimeSpan now)
    {
        if (_active is { } active)
        {
            var order = _servers.Where(s => s.Name != active && s.IsUsable(now)).OrderBy(s => s.Priority).Select(s => s.Name);
            return WithHardDown([active, .. order], active);
        }
        // Drained and held-down servers too: a server the operator took out still beats no server.
        // Those whose probes pass come first; the switch only falls through on a dead link.
        var lastResort = _servers.Where(s => s.Link != LinkState.Down)
            .OrderBy(s => s.Health == HealthState.Up ? 0 : 1).ThenBy(s => s.Priority).Select(s => s.Name);
        return WithHardDown([.. lastResort], null);
    }

    /// <summary>A hard-down server that still takes new connections (the last resort) keeps its old ones too.</summary>
    private DesiredSwitchState WithHardDown(ImmutableArray<string> buckets, string? active)
    {
        var hard = _servers.Where(s => s.HardDown && !buckets.Contains(s.Name)).Select(s => s.Name);
        return new DesiredSwitchState(buckets, active, [.. hard]);
    }

    private TimeSpan? NextWake(TimeSpan now)
    {
        var next = NextHardDown(now);
        if (PairSettleWake(now) is { } settle && (next is null || settle < next)) next = settle;
        if (PairMoveWake() is { } pair && (next is null || pair < next)) next = pair;
        foreach (var server in _servers)
        {
            if (server.HeldUntil is { } until && until > now && (next is null || until < next)) next = until;
        }
        return next;
    }

    private static string Describe(ServerStatus server, TimeSpan now) =>
        server.Drained ? $"{server.Name} drained"
        : server.Link == LinkState.Down ? $"{server.Name} link down"
        : server.IsHeld(now) ? $"{server.Name} held down until {server.HeldUntil!.Value.TotalSeconds:0.0} s"
        : server.Health == HealthState.Up ? $"{server.Name} healthy"
        : $"{server.Name} unhealthy: {server.LastDetail}";

    private int IndexOf(string name)
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            if (_servers[i].Name == name) return i;
        }
        return -1;
    }

    private ServerStatus? Find(string name) => IndexOf(name) is var i and >= 0 ? _servers[i] : null;

    private void Log(TimeSpan at, EventKind kind, string? server, string message) => _events.Add(new PolicyEvent(at, kind, server, message));
}
