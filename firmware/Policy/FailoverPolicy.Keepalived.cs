using System.Collections.Immutable;

namespace Appliance.Policy;

/// <summary>
/// keepalived gone on a box of a pair (docs/pair.md, failure table): nothing then tells the peer
/// that this box is alive, so the peer takes over; an active box that kept its role would make
/// two. It gives the role up at once, and every path is unknown until a keepalived reports again.
/// </summary>
public sealed partial class FailoverPolicy
{
    private TimeSpan _pairSettle;

    // keepalived was lost: its first report after coming back starts a new settle time.
    private bool _keepalivedLost;

    private void OnKeepalivedLost(PairKeepalivedLost lost)
    {
        if (_pair is not { } pair) return;
        var unknown = pair.Paths.ToImmutableSortedDictionary(p => p.Key, _ => VrrpState.Init, StringComparer.Ordinal);
        var wasActive = pair.Role == PairRole.Active;
        _keepalivedLost = true;
        _pair = pair with { Role = PairRole.Standby, Paths = unknown, Since = wasActive ? lost.At : pair.Since };
        Log(lost.At, wasActive ? EventKind.PairStandby : EventKind.PairPath, null, wasActive
            ? $"keepalived is gone ({lost.Reason}): this box gives up the active role, the peer takes over when it stops hearing it; every path unknown until keepalived reports again"
            : $"keepalived is gone ({lost.Reason}): every path unknown; this box stays standby until keepalived reports again");
    }

    /// <summary>A report from a keepalived that came back: it listens for the settle time before this box may take over, as at a fresh start.</summary>
    private void OnKeepalivedBack(PairPathChanged change)
    {
        if (!_keepalivedLost || _pair is not { } pair) return;
        _keepalivedLost = false;
        _pair = pair with { SettledAt = change.At + _pairSettle };
    }
}
