using System.Collections.Immutable;
using Appliance.Config;

namespace Appliance.Policy;

/// <summary>
/// A box of a pair (docs/pair.md): the role follows keepalived's per-path VRRP states through
/// <see cref="PairRoleRule"/>. A standby box still probes and keeps its servers' states (it must
/// know them the moment it takes over) but wants nothing to reach the servers or the VIP.
/// </summary>
public sealed partial class FailoverPolicy
{
    private PairStatus? _pair;

    private bool IsStandbyBox => _pair?.Role == PairRole.Standby;

    /// <summary>What a standby box wants: no buckets, nothing to move; the pipeline adds no VIP answering and no path to the servers.</summary>
    private static readonly DesiredSwitchState StandbyBox = new([], null, [], Standby: true);

    private void OnPairStarted(PairStarted started)
    {
        _pairSettle = started.Settle;
        if (started.WasActive)
        {
            var assumed = started.Paths.ToImmutableSortedDictionary(p => p, _ => VrrpState.Master, StringComparer.Ordinal);
            _pair = new PairStatus(PairRole.Active, assumed, started.At, started.At);
            Log(started.At, EventKind.PairActive, null, "one of a pair, active as before the restart (keepalived's bonus says so); every path taken as MASTER until keepalived tells otherwise");
            return;
        }
        var paths = started.Paths.ToImmutableSortedDictionary(p => p, _ => VrrpState.Init, StringComparer.Ordinal);
        _pair = new PairStatus(PairRole.Standby, paths, started.At, started.At + started.Settle);
        Log(started.At, EventKind.PairStandby, null,
            $"one of a pair: standby until the peer is heard on no path ({string.Join(", ", paths.Keys)}), at the earliest {started.Settle.TotalSeconds:0.###} s after its switch took its rules");
    }

    private void OnPairPath(PairPathChanged change)
    {
        if (_pair is not { } pair || !pair.Paths.TryGetValue(change.Path, out var was) || was == change.State) return;
        _pair = pair with { Paths = pair.Paths.SetItem(change.Path, change.State) };
        Log(change.At, EventKind.PairPath, null, $"pair path {change.Path}: {Name(was)} -> {Name(change.State)}");
    }

    private void DecidePairRole(TimeSpan now)
    {
        if (_pair is not { } pair) return;
        var next = PairRoleRule.Next(pair.Role, pair.Heard.Values);
        if (next == pair.Role) return;
        if (next == PairRole.Active && (now < pair.SettledAt || !_rulesIn)) return;   // PairSettleWake or RulesConfirmed brings us back
        _pair = pair with { Role = next, Since = now };
        if (next == PairRole.Active)
        {
            Log(now, EventKind.PairActive, _active, $"this box is active: the peer is heard as master on no path ({Describe(pair)}); serving {_active ?? "no server (none is healthy)"}");
        }
        else
        {
            Log(now, EventKind.PairStandby, null, $"this box is standby: the peer is master on every working path ({Describe(pair)})");
        }
    }

    /// <summary>
    /// The switch took our rules: until then it forwarded none of keepalived's adverts on the LAN path, so a MASTER
    /// there said nothing about the peer. A standby listens for the settle time from now, as at a fresh start.
    /// </summary>
    private void ListenThroughTheSwitch(TimeSpan now)
    {
        if (_pair is not { Role: PairRole.Standby } pair || now + _pairSettle <= pair.SettledAt) return;
        _pair = pair with { SettledAt = now + _pairSettle };
    }

    /// <summary>When a standby that would take over waits only for the settle time: wake then.</summary>
    private TimeSpan? PairSettleWake(TimeSpan now) =>
        _pair is { Role: PairRole.Standby } pair && _rulesIn && now < pair.SettledAt && PairRoleRule.Next(PairRole.Standby, pair.Heard.Values) == PairRole.Active
            ? pair.SettledAt
            : null;

    private static string Describe(PairStatus pair) =>
        string.Join(", ", pair.Paths.Select(p => $"{p.Key} {Name(p.Value)}")) + (pair.OfficeDown ? $"; office port down: {PairConfig.LanPath} taken as FAULT" : "");

    private static string Name(VrrpState state) => state.ToString().ToUpperInvariant();
}
