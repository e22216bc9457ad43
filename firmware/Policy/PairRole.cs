using System.Collections.Immutable;
using Appliance.Config;

namespace Appliance.Policy;

/// <summary>A VRRP instance's state as keepalived reports it (notify_fifo), one instance per path between the boxes.</summary>
public enum VrrpState
{
    /// <summary>Nothing reported yet for this path.</summary>
    Init,

    /// <summary>This box hears the peer as master on this path.</summary>
    Backup,

    /// <summary>This box hears no better master on this path.</summary>
    Master,

    /// <summary>This box's own end of the path is down: the path says nothing about the peer.</summary>
    Fault,
}

/// <summary>What a box of a pair does (docs/pair.md).</summary>
public enum PairRole
{
    /// <summary>Answers the VIP and forwards to the servers.</summary>
    Active,

    /// <summary>Answers nothing for the VIP and forwards nothing to the servers; keeps probing.</summary>
    Standby,
}

/// <summary>Where this box hears its peer.</summary>
public enum PeerState
{
    /// <summary>Not every path has reported yet.</summary>
    Unknown,

    /// <summary>Heard as master on at least one path.</summary>
    Master,

    /// <summary>
    /// Not heard as master on any working path: standing by, or gone. keepalived's notifications do
    /// not tell the two apart (a master is not told about a lower peer's adverts).
    /// </summary>
    Quiet,

    /// <summary>Every path's own end is down: nothing can be heard.</summary>
    Unreachable,
}

/// <summary>
/// The rule that turns the per-path VRRP states into this box's role, with hysteresis so that a
/// disagreement between the paths (one healing, one not yet) never changes the role:
/// standby becomes active only when the peer is heard as master on no path (every path MASTER or
/// FAULT, at least one MASTER: both paths must fail before a takeover); active becomes standby only
/// when the peer is heard as master on every working path (every path BACKUP or FAULT, at least one
/// BACKUP).
/// </summary>
public static class PairRoleRule
{
    public static PairRole Next(PairRole current, IEnumerable<VrrpState> paths)
    {
        var states = paths.ToArray();
        if (states.Length == 0) return current;
        var masters = states.Count(s => s == VrrpState.Master);
        var backups = states.Count(s => s == VrrpState.Backup);
        var unknown = states.Any(s => s == VrrpState.Init);
        if (current == PairRole.Standby)
        {
            return !unknown && backups == 0 && masters > 0 ? PairRole.Active : PairRole.Standby;
        }
        return masters == 0 && backups > 0 ? PairRole.Standby : PairRole.Active;
    }
}

/// <summary>This box's place in a pair, as the policy keeps it (null in <see cref="PolicyState.Pair"/> for a box on its own).</summary>
/// <param name="Paths">Each path's VRRP state, by instance name (lan, peer).</param>
/// <param name="Since">When this box took its role.</param>
/// <param name="SettledAt">Before this time the box does not become active: a keepalived just started may not have heard its peer yet.</param>
/// <param name="Move">An operator's takeover or handover under way, or null.</param>
/// <param name="PeerMasterSince">Since when this box, active, hears the peer as master on some path; null when it does not.</param>
/// <param name="SplitBrain">This box is active and has heard the peer as master on some path for <see cref="PairBonus.SplitBrainAfter"/>: both boxes think they are active.</param>
public sealed record PairStatus(
    PairRole Role,
    ImmutableSortedDictionary<string, VrrpState> Paths,
    TimeSpan Since,
    TimeSpan SettledAt,
    PairMove? Move = null,
    TimeSpan? PeerMasterSince = null,
    bool SplitBrain = false)
{
    /// <summary>What this box writes to keepalived's track file: its role's bonus, the move's while one is under way, or the handover's while its office port is down.</summary>
    public int Bonus => PairBonus.Of(Role, Move, OfficeDown);

    /// <summary>This box's office port has link (true), has none (false), or is not known yet (no switch yet).</summary>
    public bool? OfficeUp { get; init; }

    /// <summary>The office port is known to have no link: the <c>lan</c> path's own end is down, whatever keepalived says.</summary>
    public bool OfficeDown => OfficeUp == false;

    /// <summary>
    /// How many settings comparisons in a row the peer's API gave no answer at all (unreachable, or
    /// silent past the time allowed): <see cref="PairSettingsStatus.PeerSilent"/>.
    /// </summary>
    public int PeerApiSilent { get; init; }

    /// <summary>
    /// The paths as they tell about the peer: keepalived's states, except that the <c>lan</c> path is
    /// FAULT while the office port is down. keepalived's <c>lan</c> instance sits on the bridge's
    /// internal port, which stays up: it hears nobody and says MASTER, though its adverts reach no one.
    /// </summary>
    public ImmutableSortedDictionary<string, VrrpState> Heard =>
        OfficeDown && Paths.ContainsKey(PairConfig.LanPath) ? Paths.SetItem(PairConfig.LanPath, VrrpState.Fault) : Paths;

    /// <summary>
    /// What is wrong with the pair as this box can tell, or null. An active box cannot tell a quiet
    /// standby from a dead one through VRRP (a backup sends no adverts), so "peer not heard" is known
    /// to the standby, and to an active box only when every path's own end is down; "peer lost" adds
    /// the peer's API, silent for <see cref="PairBonus.PeerLostAfter"/> comparisons in a row.
    /// </summary>
    public string? Fault =>
        SplitBrain ? $"split brain: this box is active and hears the peer as master on {string.Join(", ", Heard.Where(p => p.Value == VrrpState.Backup).Select(p => p.Key))}"
        : OfficeDown ? Role == PairRole.Active
            ? $"office port down: this box hands the active role to the peer (VRRP bonus {PairBonus.Handover} while the port is down) and stays active until the peer takes it"
            : $"office port down: this box could serve nobody; VRRP bonus {PairBonus.Handover} while the port is down, so the peer stays elected"
        : Peer == PeerState.Unreachable ? "peer not heard: every path's own end is down"
        : PeerLost ? "peer lost: not heard on any path, and its API does not answer"
        : Role == PairRole.Standby && Peer == PeerState.Quiet ? "peer not heard: no path hears an active peer"
        : null;

    /// <summary>The peer heard as master on no path and its API silent: dead, or cut off from this box on every path.</summary>
    public bool PeerLost => Peer == PeerState.Quiet && PeerApiSilent >= PairBonus.PeerLostAfter;

    /// <summary>The peer as this box sees it.</summary>
    public PeerState Peer
    {
        get
        {
            var states = Heard.Values.ToArray();
            if (states.Any(s => s == VrrpState.Init)) return PeerState.Unknown;
            if (states.Any(s => s == VrrpState.Backup)) return PeerState.Master;
            return states.All(s => s == VrrpState.Fault) ? PeerState.Unreachable : PeerState.Quiet;
        }
    }

    /// <summary>Whether the settings both boxes must share are the same on both (docs/pair.md#settings).</summary>
    public PairSettingsStatus Settings { get; init; } = PairSettingsStatus.NotCompared;

    /// <summary>The paths on which this box does not hear the peer as master (MASTER or FAULT).</summary>
    public IEnumerable<string> QuietPaths => Heard.Where(p => p.Value is VrrpState.Master or VrrpState.Fault).Select(p => p.Key);
}

/// <summary>This box is one of a pair: the paths (VRRP instances) it will hear about. Starts as standby, unless it was active.</summary>
/// <param name="Settle">How long a fresh start listens before it may become active.</param>
/// <param name="WasActive">
/// The firmware restarted on the active box (its keepalived bonus says so): keepalived, which kept
/// running, tells nothing again, so the box stays active with every path taken as MASTER, as the
/// switch kept serving while the firmware was away.
/// </param>
/// <param name="Settings">The settings comparison the firmware knew before a configuration was applied (a new policy starts then): kept, so that the events stay "on change only".</param>
public sealed record PairStarted(TimeSpan At, IReadOnlyList<string> Paths, TimeSpan Settle, bool WasActive = false, PairSettingsStatus? Settings = null) : PolicyInput(At);

/// <summary>keepalived reported a VRRP instance's (a path's) new state.</summary>
public sealed record PairPathChanged(TimeSpan At, string Path, VrrpState State) : PolicyInput(At);

/// <summary>keepalived is gone (its notify_fifo closed: stopped, killed or crashed): this box must not stay active (docs/pair.md).</summary>
public sealed record PairKeepalivedLost(TimeSpan At, string Reason) : PolicyInput(At);
