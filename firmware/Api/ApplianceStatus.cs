using Appliance.Config;
using Appliance.Policy;

namespace Appliance.Api;

/// <summary>One server as the status API shows it (docs/api.md, GET /api/status).</summary>
/// <param name="HardDown">Its established connections were moved to another server (docs/configuration.md#established-connections).</param>
public sealed record ServerView(string Name, string Address, uint Port, string Mac, LinkState Link, HealthState Health, ServerRole State, string Detail, bool HardDown = false);

/// <summary>
/// Everything the outside sees, as one immutable snapshot published after every decision: the
/// API, the panel and <c>appliance status</c> read it without touching the controller's state.
/// </summary>
public sealed record ApplianceStatus(
    string? Active,
    string Failback,
    bool SwitchConnected,
    string? DatapathId,
    IReadOnlyList<ServerView> Servers,
    int Failovers,
    PanelView Panel,
    IReadOnlyList<string> Buckets)
{
    /// <summary>Why the configuration is refused (<c>appliance fault</c>); empty while the firmware runs with it.</summary>
    public IReadOnlyList<ConfigError> RefusedConfiguration { get; init; } = [];

    /// <summary>This box's place in a pair (docs/pair.md); null for a box on its own.</summary>
    public PairStatus? Pair { get; init; }

    /// <summary>The connected switch holds the firmware's rules: a batch or a read-back confirmed them in this session.</summary>
    public bool SwitchProgrammed { get; init; }

    /// <summary>While the configuration is refused: the reasons and the fault LED, and nothing else (no servers, no switch).</summary>
    public static ApplianceStatus Refused(IReadOnlyList<ConfigError> errors) =>
        new(null, "unknown", false, null, [], 0, PanelView.ConfigurationRefused, []) { RefusedConfiguration = errors };
}
