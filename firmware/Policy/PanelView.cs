namespace Appliance.Policy;

public enum LedPattern { Off, On, Blink }

/// <summary>
/// The front panel (docs/configuration.md, panel), derived from the policy's state: the same view
/// drives the GPIO LEDs, the simulated panel and the status page.
/// </summary>
/// <param name="Master">Green: on while the master serves, blinking while it is healthy but standing by.</param>
/// <param name="Slave">Amber: on while any lower-priority server serves.</param>
/// <param name="Fault">Red: on when no server can serve, blinking when a server is down, held down or drained, the switch is disconnected, the pair has a fault (<see cref="PairStatus.Fault"/>) or the pair's shared settings differ.</param>
public sealed record PanelView(LedPattern Master, LedPattern Slave, LedPattern Fault)
{
    public static PanelView Dark { get; } = new(LedPattern.Off, LedPattern.Off, LedPattern.Off);

    /// <summary>The firmware refused its configuration and does not run (appliance fault): red alone, steady.</summary>
    public static PanelView ConfigurationRefused { get; } = new(LedPattern.Off, LedPattern.Off, LedPattern.On);

    public static PanelView From(PolicyState state, TimeSpan now)
    {
        // The standby of a pair serves nothing: no server LED; red blinks when something needs a
        // look (a server down, the switch away, or the peer not heard as master: the pair has no
        // active box, or it is about to be this one), or the pair's shared settings differ.
        if (state.IsStandbyBox)
        {
            var attention = state.Servers.Any(s => !s.IsUsable(now)) || !state.SwitchConnected || state.Pair!.Peer != PeerState.Master
                || state.Pair.Settings.State == PairSettingsState.Differ;
            return new PanelView(LedPattern.Off, LedPattern.Off, attention ? LedPattern.Blink : LedPattern.Off);
        }
        var master = state.Master;
        var masterServes = state.Active == master.Name;
        var masterLed = masterServes ? LedPattern.On
            : state.Active is not null && master.Health == HealthState.Up && master.Link != LinkState.Down && !master.IsHeld(now) ? LedPattern.Blink
            : LedPattern.Off;
        var slaveLed = state.Active is not null && !masterServes ? LedPattern.On : LedPattern.Off;
        // A drained server counts too: maintenance left pending must not go unnoticed.
        var anyDown = state.Servers.Any(s => !s.IsUsable(now));
        var faultLed = state.Active is null ? LedPattern.On
            : anyDown || !state.SwitchConnected || state.Pair?.Fault is not null || state.Pair?.Settings.State == PairSettingsState.Differ ? LedPattern.Blink
            : LedPattern.Off;
        return new PanelView(masterLed, slaveLed, faultLed);
    }
}
