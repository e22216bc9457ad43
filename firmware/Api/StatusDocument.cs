using System.Text.Json.Serialization;
using Appliance.Policy;

namespace Appliance.Api;

/// <summary>
/// <c>GET /api/status</c> (docs/api.md): the firmware's version and commit, whether its configuration
/// is refused and why, who serves, the switch, the servers with their MAC and last probe detail, the
/// panel's LEDs, the recent events.
/// </summary>
public sealed record StatusDocument(
    string Version,
    string Commit,
    ConfigurationDocument Configuration,
    string? Active,
    string Failback,
    SwitchDocument Switch,
    IReadOnlyList<ServerDocument> Servers,
    int Failovers,
    PanelDocument Panel,
    IReadOnlyList<EventDocument> Events,
    DroppedDocument Dropped)
{
    /// <summary>This box's place in a pair (docs/pair.md); left out for a box on its own.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PairDocument? Pair { get; init; }

    public static StatusDocument From(ApplianceStatus status, IReadOnlyList<LoggedEvent> events, GuardMetrics guards, ConnectionCounts connections) => new(
        BuildInfo.Version,
        BuildInfo.Commit,
        new ConfigurationDocument(status.RefusedConfiguration.Count > 0, [.. status.RefusedConfiguration.Select(e => e.ToString())]),
        status.Active,
        status.Failback,
        new SwitchDocument(status.SwitchConnected, status.DatapathId, status.SwitchConnected && status.SwitchProgrammed),
        [.. status.Servers.Select(s => new ServerDocument(s.Name, s.Address, s.Port, s.Mac, Lower(s.Link), Lower(s.Health), Lower(s.State), s.Detail,
            connections.Of(s.Name), connections.Draining(s.Name, status.Active), s.HardDown))],
        status.Failovers,
        new PanelDocument(Lower(status.Panel.Master), Lower(status.Panel.Slave), Lower(status.Panel.Fault)),
        [.. events.Reverse().Select(EventDocument.From)],
        new DroppedDocument(guards.Total("mac"), guards.Total("arp"), guards.Total("ipv4")))
    {
        Pair = status.Pair is { } pair ? PairDocument.From(pair) : null,
    };

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}

/// <summary><c>refused</c>: the firmware does not run; <c>errors</c>: why, as <c>appliance check</c> prints them (file:line:column: key: message).</summary>
public sealed record ConfigurationDocument(bool Refused, IReadOnlyList<string> Errors);

/// <param name="Programmed">The switch holds the firmware's rules, confirmed by the switch since it connected.</param>
public sealed record SwitchDocument(bool Connected, string? DatapathId, bool Programmed);

/// <param name="Connections">The connections conntrack tracks for the server; null while unknown.</param>
/// <param name="Draining">It carries connections but is not the active server: they finish there, new ones go elsewhere.</param>
public sealed record ServerDocument(string Name, string Address, uint Port, string Mac, string Link, string Health, string State, string Detail,
    uint? Connections, bool Draining, bool HardDown);

public sealed record PanelDocument(string Master, string Slave, string Fault);

/// <summary>
/// <c>pair</c> (docs/pair.md): <c>role</c> active|standby; <c>peer</c> master (heard as master on a
/// path), quiet (heard as master on no working path: standing by, or gone), unreachable (every path's
/// own end is down) or unknown; <c>paths</c>: each VRRP instance's state as keepalived told it;
/// <c>bonus</c>: the VRRP bonus written to keepalived; <c>move</c>: takeover|handover under way, or
/// null; <c>fault</c>: what is wrong with the pair, or null; <c>split_brain</c>; <c>office</c>: the office port's
/// link, up|down|unknown.
/// </summary>
public sealed record PairDocument(string Role, string Peer, IReadOnlyDictionary<string, string> Paths, int Bonus = 0, string? Move = null,
    string? Fault = null, bool SplitBrain = false)
{
    /// <summary>Whether the settings both boxes must share are the same (docs/pair.md#settings).</summary>
    public PairSettingsDocument Settings { get; init; } = PairSettingsDocument.From(PairSettingsStatus.NotCompared);

    public string Office { get; init; } = "unknown";

    public static PairDocument From(PairStatus pair) => new(
        pair.Role.ToString().ToLowerInvariant(),
        pair.Peer.ToString().ToLowerInvariant(),
        pair.Paths.ToDictionary(p => p.Key, p => p.Value.ToString().ToLowerInvariant(), StringComparer.Ordinal),
        pair.Bonus,
        pair.Move?.Kind.ToString().ToLowerInvariant(),
        pair.Fault,
        pair.SplitBrain)
    {
        Settings = PairSettingsDocument.From(pair.Settings),
        Office = pair.OfficeUp switch { true => "up", false => "down", null => "unknown" },
    };
}

/// <summary><c>state</c> same|differ|unknown; <c>keys</c>: the shared keys that differ; <c>why</c>: for unknown, why the peer's configuration was not compared.</summary>
public sealed record PairSettingsDocument(string State, IReadOnlyList<string> Keys, string Why)
{
    public static PairSettingsDocument From(PairSettingsStatus settings) => new(settings.State.ToString().ToLowerInvariant(), settings.Keys, settings.Why);
}

/// <summary>Frames the switch's ingress guard dropped since the firmware started, by guard (per owner: <c>/metrics</c>).</summary>
public sealed record DroppedDocument(ulong Mac, ulong Arp, ulong Ipv4);

/// <summary>An event as the API shows it: its number in the history, and its kind by name (docs/api.md#events).</summary>
public sealed record EventDocument(long Seq, DateTimeOffset Time, string Kind, string? Server, string Message)
{
    public static EventDocument From(LoggedEvent e) => new(e.Seq, e.Time, EventNames.Of(e.Kind), e.Server, e.Message);
}

/// <summary>The answer to a POST: whether the request was carried out, and what happened.</summary>
public sealed record RequestDocument(bool Accepted, string Message);

/// <summary>Source-generated serialisation: no reflection, fit for a trimmed single-file firmware.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(EventsDocument))]
[JsonSerializable(typeof(RequestDocument))]
[JsonSerializable(typeof(ConfigDocument))]
[JsonSerializable(typeof(ConfigCheckDocument))]
[JsonSerializable(typeof(ConfigChangeRequest))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(NotifyTestDocument))]
[JsonSerializable(typeof(UpdateDocument))]
[JsonSerializable(typeof(UpdateUrlRequest))]
[JsonSerializable(typeof(LastBootDocument))]
public sealed partial class ApiJson : JsonSerializerContext;
