namespace Appliance.Policy;

/// <summary>
/// A pair's shared settings (docs/pair.md#settings): the comparison's outcome is kept in <see cref="PairStatus.Settings"/>;
/// a difference is a fault (the panel's red blinks). Events only when the outcome changes: a difference appears or its
/// keys change (<see cref="EventKind.PairSettingsDiffer"/>), or the boxes agree again (<see cref="EventKind.PairSettingsSame"/>).
/// A peer that cannot be read changes nothing of that: its silence is the VRRP paths' to tell.
/// </summary>
public sealed partial class FailoverPolicy
{
    /// <summary>The last outcome told by an event (same or differ); null before the first difference.</summary>
    private PairSettingsStatus? _settingsTold;

    private void CarryPairSettings(PairStarted started)
    {
        if (_pair is not { } pair || started.Settings is not { } known) return;
        // How many comparisons in a row went unanswered is not carried: one is known.
        _pair = pair with { Settings = known, PeerApiSilent = known.PeerSilent ? 1 : 0 };
        if (known.State != PairSettingsState.Unknown) _settingsTold = known;
    }

    private void OnPairSettings(PairSettingsCompared compared)
    {
        if (_pair is not { } pair) return;
        var settings = compared.Settings;
        _pair = pair with { Settings = settings, PeerApiSilent = settings.PeerSilent ? Math.Min(pair.PeerApiSilent + 1, PairBonus.PeerLostAfter) : 0 };
        if (settings.State == PairSettingsState.Unknown || (_settingsTold is { } told && told.SameOutcome(settings))) return;
        if (settings.State == PairSettingsState.Same && _settingsTold is null) return;   // the boxes agreed from the start: nothing to tell
        _settingsTold = settings;
        if (settings.State == PairSettingsState.Differ)
        {
            Log(compared.At, EventKind.PairSettingsDiffer, null, $"settings differ from the peer's: {string.Join(", ", settings.Keys)} (copy them from the box that is right)");
        }
        else
        {
            Log(compared.At, EventKind.PairSettingsSame, null, "settings are the same as the peer's again");
        }
    }
}
