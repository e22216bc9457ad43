using System.Collections.Immutable;

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
public sealed record PairStatus(PairRole Role, ImmutableSortedDictionary<string, VrrpState> Paths, TimeSpan Since, TimeSpan SettledAt)
{
    /// <summary>The peer as this box sees it.</summary>
    public PeerState Peer
    {
        get
        {
            var states = Paths.Values.ToArray();
            if (states.Any(s => s == VrrpState.Init)) return PeerState.Unknown;
            if (states.Any(s => s == VrrpState.Backup)) return PeerState.Master;
            return states.All(s => s == VrrpState.Fault) ? PeerState.Unreachable : PeerState.Quiet;
        }
    }

    /// <summary>Whether the settings both boxes must share are the same on both (docs/pair.md#settings).</summary>
    public PairSettingsStatus Settings { get; init; } = PairSettingsStatus.NotCompared;

    /// <summary>The paths on which this box does not hear the peer as master (MASTER or FAULT).</summary>
    public IEnumerable<string> QuietPaths => Paths.Where(p => p.Value is VrrpState.Master or VrrpState.Fault).Select(p => p.Key);
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
