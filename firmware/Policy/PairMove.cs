using Appliance.Config;

namespace Appliance.Policy;

/// <summary>Which way an operator moves the active role between the boxes of a pair (docs/pair.md#manual-failback-between-the-boxes).</summary>
public enum PairMoveKind
{
    /// <summary>On the standby box: become the active one.</summary>
    Takeover,

    /// <summary>On the active box: let the peer become the active one.</summary>
    Handover,
}

/// <summary>A move of the active role under way: its bonus is held until the role has moved or <paramref name="Until"/> passes.</summary>
/// <param name="Office">A handover because this box's office port is down: held for as long as the port is down, never given up by time.</param>
public sealed record PairMove(PairMoveKind Kind, string Source, TimeSpan Since, TimeSpan Until, bool Office = false);

/// <summary>The operator asks this box of a pair to take over (standby) or hand over (active): API, button, page.</summary>
public sealed record PairMoveRequested(TimeSpan At, PairMoveKind Kind, string Source) : PolicyInput(At);

/// <summary>
/// The priority bonus this box writes to keepalived's track file (weight 1, on a base priority the
/// same on both boxes, keepalived preempting): it decides which box both paths elect.
/// </summary>
public static class PairBonus
{
    /// <summary>The active box: above the standby on both paths, so that a returning box does not preempt.</summary>
    public const int Active = PairConfig.ActiveBonus;

    public const int Standby = 0;

    /// <summary>A standby taking over: above the active box's <see cref="Active"/>, so that keepalived here preempts on every path.</summary>
    public const int Takeover = 2 * PairConfig.ActiveBonus;

    /// <summary>An active box handing over: below the standby's <see cref="Standby"/>, so that the peer's keepalived preempts on every path.</summary>
    public const int Handover = -PairConfig.ActiveBonus;

    /// <summary>How long a move holds its bonus before it is given up: VRRP preempts within a few advert intervals (tens of ms).</summary>
    public static readonly TimeSpan MoveLimit = TimeSpan.FromSeconds(5);

    /// <summary>How long an active box may hear the peer as master on a path before that is split brain, not a path healing.</summary>
    public static readonly TimeSpan SplitBrainAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Settings comparisons in a row (one every 5 s) whose request the peer's API left unanswered before the peer, heard on
    /// no path, is lost: one can be a slow moment or the peer's firmware restarting.
    /// </summary>
    public const int PeerLostAfter = 2;

    /// <summary>
    /// The bonus for a role and a move under way. A box whose office port is down hands over for as long as the port is
    /// down, whatever its role: active it lets the peer preempt, standby it keeps the peer elected (docs/pair.md).
    /// </summary>
    public static int Of(PairRole role, PairMove? move, bool officeDown = false) => move?.Kind switch
    {
        PairMoveKind.Takeover => Takeover,
        PairMoveKind.Handover => Handover,
        _ => officeDown ? Handover : role == PairRole.Active ? Active : Standby,
    };
}
