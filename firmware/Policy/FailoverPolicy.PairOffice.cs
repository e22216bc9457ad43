namespace Appliance.Policy;

/// <summary>
/// This box's office port (every bridge port that is not a server's; port 4 on the box) has link, or has none any more:
/// as the switch reports its ports (PORT_STATUS, and the port list when it connects).
/// </summary>
public sealed record OfficeLinkChanged(TimeSpan At, bool Up) : PolicyInput(At);

/// <summary>
/// A box of a pair whose office port is down (docs/pair.md, failure table): the peer still hears it on the peer cable, so
/// VRRP alone never moves the role and the VIP would be unreachable. It hands over by itself: the VRRP bonus of a
/// handover for as long as the port is down, so that the peer preempts and stays elected; the <c>lan</c> path counts as
/// FAULT (its own end is down), so that hearing the peer as master on the cable alone stands this box by. When the port
/// comes back the box is standby with bonus 0: the role does not move back by itself, as everywhere in a pair.
/// </summary>
public sealed partial class FailoverPolicy
{
    private const string OfficeSource = "office port down";

    // Kept for a pair started after the switch told it (a configuration applied: a new policy).
    private bool? _officeUp;

    private void OnOfficeLink(OfficeLinkChanged change)
    {
        _officeUp = change.Up;
        if (_pair is not { } pair || pair.OfficeUp == change.Up) return;
        var was = pair.OfficeUp;
        _pair = pair with { OfficeUp = change.Up };
        if (change.Up)
        {
            if (was == false) Log(change.At, EventKind.PairPath, null, $"office port up again: VRRP bonus back to the role's ({PairBonus.Of(pair.Role, null)}); this box stays {Word(pair.Role)}");
            return;
        }
        if (pair.Move is { Kind: PairMoveKind.Takeover } takeover)
        {
            _pair = _pair with { Move = null };
            Log(change.At, EventKind.PairMoveGivenUp, null, $"takeover given up ({takeover.Source}): this box's office port is down, it could serve nobody");
        }
        if (pair.Role == PairRole.Standby)
        {
            Log(change.At, EventKind.PairPath, null, $"office port down: VRRP bonus {PairBonus.Handover} while it is down, so that the peer stays elected");
        }
    }

    /// <summary>Started after the switch told the office port's state: the pair knows it at once.</summary>
    private void CarryOfficeLink()
    {
        if (_pair is { } pair) _pair = pair with { OfficeUp = _officeUp };
    }

    /// <summary>
    /// After the role was decided: an active box whose office port is down hands over until it is standby (any box, or
    /// the peer gone, for as long as the port is down); one whose port came back while still active stays active.
    /// </summary>
    private void FollowOffice(TimeSpan now)
    {
        if (_pair is not { } pair) return;
        if (pair.OfficeDown && pair.Role == PairRole.Active && pair.Move is null)
        {
            _pair = pair with { Move = new PairMove(PairMoveKind.Handover, OfficeSource, now, TimeSpan.MaxValue, Office: true) };
            // An active box cannot tell a standby from no peer (a VRRP backup is silent): without a peer to preempt
            // (dead, or the cable cut too) the box stays active, as standing by would serve the office no better.
            Log(now, EventKind.PairHandover, null,
                $"office port down: handing over to the peer: VRRP bonus {PairBonus.Handover} for as long as the port is down, so that the peer preempts; without a peer to do so (dead, or the peer cable cut too) this box stays active ({Describe(pair)})");
            return;
        }
        if (!pair.OfficeDown && pair.Move is { Office: true })
        {
            _pair = pair with { Move = null };
            Log(now, EventKind.PairMoveGivenUp, null, $"handover over: the office port is back and the peer did not take over ({Describe(pair)}); this box stays active, VRRP bonus {PairBonus.Active}");
        }
    }

    private static string Word(PairRole role) => role == PairRole.Active ? "active" : "standby";
}
