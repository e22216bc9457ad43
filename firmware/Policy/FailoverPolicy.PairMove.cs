namespace Appliance.Policy;

/// <summary>
/// Manual failback between the boxes of a pair (docs/pair.md#manual-failback-between-the-boxes):
/// the operator moves the active role by changing this box's keepalived bonus, so that VRRP itself
/// elects the other box on every path; and the pair's faults (peer not heard, split brain).
/// </summary>
public sealed partial class FailoverPolicy
{
    // The pair's fault as last told: paths change before the fault is looked at.
    private string? _pairFaultTold;

    private RequestOutcome OnPairMove(PairMoveRequested request)
    {
        var now = request.At;
        var verb = request.Kind == PairMoveKind.Takeover ? "takeover" : "handover";
        if (_pair is not { } pair) return RefuseMove(now, verb, request.Source, "this box is not one of a pair");
        var refusal = pair.Move is { } under ? $"a {(under.Kind == PairMoveKind.Takeover ? "takeover" : "handover")} is already under way ({under.Source})"
            : pair.Peer == PeerState.Unreachable ? "every path's own end is down: keepalived here can be elected on none, nor the peer reached"
            : pair.Peer == PeerState.Unknown ? "keepalived has not reported every path yet"
            : request.Kind == PairMoveKind.Takeover && pair.Role == PairRole.Active ? "this box is already active"
            : request.Kind == PairMoveKind.Takeover && pair.OfficeDown ? "this box's office port is down: it could serve nobody"
            // Healthy, not usable: a server held down for flapping still beats no box serving (the last resort).
            : request.Kind == PairMoveKind.Takeover && !_servers.Any(s => s.Health == HealthState.Up && s.Link != LinkState.Down) ? "no server is healthy here: this box could serve nobody"
            : request.Kind == PairMoveKind.Handover && pair.Role == PairRole.Standby ? "this box is already standby"
            : null;
        if (refusal is not null) return RefuseMove(now, verb, request.Source, refusal);
        var move = new PairMove(request.Kind, request.Source, now, now + PairBonus.MoveLimit);
        _pair = pair with { Move = move };
        if (request.Kind == PairMoveKind.Takeover)
        {
            Log(now, EventKind.PairTakeover, null,
                $"taking over ({request.Source}): VRRP bonus {PairBonus.Takeover}, above the active box's {PairBonus.Active}, until this box is elected on every path, for at most {PairBonus.MoveLimit.TotalSeconds:0} s");
            return new RequestOutcome(true, $"taking over: the peer gives up the VIP when keepalived here is elected on every path (at most {PairBonus.MoveLimit.TotalSeconds:0} s)");
        }
        Log(now, EventKind.PairHandover, null,
            $"handing over ({request.Source}): VRRP bonus {PairBonus.Handover}, below the standby's {PairBonus.Standby}, until the peer is elected on every path, for at most {PairBonus.MoveLimit.TotalSeconds:0} s");
        return new RequestOutcome(true, $"handing over: this box stands by when the peer is elected on every path (at most {PairBonus.MoveLimit.TotalSeconds:0} s)");
    }

    private RequestOutcome RefuseMove(TimeSpan now, string verb, string source, string reason)
    {
        Log(now, EventKind.RequestRefused, null, $"{verb} refused ({source}): {reason}");
        return new RequestOutcome(false, reason);
    }

    /// <summary>After the role was decided: a move ends when the role has moved, or is given up at its limit.</summary>
    private void FollowPairMove(TimeSpan now)
    {
        if (_pair is not { Move: { } move } pair) return;
        var done = move.Kind == PairMoveKind.Takeover ? pair.Role == PairRole.Active : pair.Role == PairRole.Standby;
        if (done)
        {
            _pair = pair with { Move = null };
            return;
        }
        if (now < move.Until) return;
        _pair = pair with { Move = null };
        Log(now, EventKind.PairMoveGivenUp, null,
            $"{(move.Kind == PairMoveKind.Takeover ? "takeover" : "handover")} given up after {(now - move.Since).TotalSeconds:0.#} s: the role did not move ({Describe(pair)}); VRRP bonus back to {_pair.Bonus}");
    }

    /// <summary>Split brain and "peer not heard", told once when they start and when they end.</summary>
    private void FollowPairFault(TimeSpan now)
    {
        if (_pair is not { } pair) return;
        var was = _pairFaultTold;
        // An active box hearing the peer as master on a path: a path healing, or a handover, for a
        // moment; for longer, two boxes each think they are active.
        var peerMaster = pair.Role == PairRole.Active && pair.Move?.Kind != PairMoveKind.Handover && pair.Heard.Values.Any(s => s == VrrpState.Backup);
        var since = peerMaster ? pair.PeerMasterSince ?? now : (TimeSpan?)null;
        _pair = pair with { PeerMasterSince = since, SplitBrain = since is { } s && now - s >= PairBonus.SplitBrainAfter };
        var fault = _pair.Fault;
        if (Kind(fault) == Kind(was)) return;
        _pairFaultTold = fault;
        if (fault is not null) Log(now, EventKind.PairFault, null, $"pair fault: {fault}");
        else Log(now, EventKind.PairFaultCleared, null, $"pair fault over ({was}): {Describe(_pair)}");

        static string? Kind(string? fault) => fault?[..fault.IndexOf(':', StringComparison.Ordinal)];
    }

    /// <summary>When a move must be given up, or hearing the peer as master becomes split brain.</summary>
    private TimeSpan? PairMoveWake() => _pair switch
    {
        { Move: { Office: false } move } => move.Until,
        { PeerMasterSince: { } since, SplitBrain: false } => since + PairBonus.SplitBrainAfter,
        _ => null,
    };
}
