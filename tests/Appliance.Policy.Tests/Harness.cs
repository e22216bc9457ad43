namespace Appliance.Policy.Tests;

/// <summary>Drives the policy with a clock that only moves when the test says so.</summary>
internal sealed class Harness
{
    private readonly FailoverPolicy _policy;

    public Harness(string failback = "auto", string probe = "http", int servers = 2, int fall = 3, int rise = 3, string holdDown = "5s", string? hardDown = null, string? passive = null)
    {
        var names = new[] { "master", "slave", "spare" };
        var list = string.Join("\n", Enumerable.Range(0, servers).Select(i => $"  - {{ name: {names[i]}, address: 198.18.0.{i + 1}, port: {i + 1} }}"));
        var yaml = $$"""
            bridge: { name: br0, management: 198.18.0.6/24 }
            service: { vip: 198.18.0.100 }
            servers:
            {{list}}
            health: { probe: {{probe}}, interval: 20ms, timeout: 40ms, fall: {{fall}}, rise: {{rise}}, hold_down: {{holdDown}}{{(hardDown is null ? "" : $", hard_down: {hardDown}")}}{{(passive is null ? "" : $", {passive}")}} }
            failback: {{failback}}
            """;
        Config = ConfigLoader.Parse(yaml, "test.yml");
        _policy = new FailoverPolicy(Config);
    }

    public ApplianceConfig Config { get; }

    public TimeSpan Now { get; private set; }

    public PolicyDecision Last { get; private set; } = null!;

    public List<PolicyEvent> Events { get; } = [];

    public PolicyState State => _policy.State;

    public PanelView Panel => PanelView.From(State, Now);

    public string[] Buckets => [.. Last.Desired.Buckets];

    public string? Active => Last.Desired.Active;

    /// <summary>The servers whose established connections the switch is told to move.</summary>
    public string[] HardDown => [.. Last.Desired.HardDown];

    public Harness Advance(TimeSpan by)
    {
        Now += by;
        return this;
    }

    public PolicyDecision Send(Func<TimeSpan, PolicyInput> input)
    {
        Last = _policy.Handle(input(Now));
        Events.AddRange(Last.Events);
        return Last;
    }

    public PolicyDecision Connect(string[]? group = null, params string[] live) =>
        Send(t => new SwitchConnected(t, group, live.Length == 0 ? Config.Servers.Select(s => s.Name).ToHashSet() : live.ToHashSet()));

    /// <summary>A switch whose groups say <paramref name="hardDown"/> had their connections moved before the firmware restarted.</summary>
    public PolicyDecision ConnectHardDown(string[] group, params string[] hardDown) =>
        Send(t => new SwitchConnected(t, group, Config.Servers.Select(s => s.Name).ToHashSet(), hardDown.ToHashSet()));

    /// <summary>Probes every 20 ms, as the lab's config does.</summary>
    public void Probes(string server, bool healthy, int count, string detail = "", bool refused = false)
    {
        for (var i = 0; i < count; i++)
        {
            Advance(TimeSpan.FromMilliseconds(20));
            Send(t => new ProbeResult(t, server, healthy, healthy ? "HTTP 200" : detail.Length > 0 ? detail : "connection refused", refused));
        }
    }

    /// <summary>The switch saw <paramref name="server"/> refuse a client connection.</summary>
    public PolicyDecision Refused(string server, RefusalKind kind = RefusalKind.TcpReset, ushort port = 80) => Send(t => new ClientRefused(t, server, kind, port));

    public PolicyDecision Link(string server, bool up) => Send(t => new LinkChanged(t, server, up));

    /// <summary>The kernel's carrier of the server's port (rtnetlink), beside the switch's own port state.</summary>
    public PolicyDecision Carrier(string server, bool up) => Send(t => new LinkChanged(t, server, up, LinkSource.Carrier));

    /// <summary>The operator's intent read back at start, or why it could not be.</summary>
    public PolicyDecision Restore(OperatorIntent intent, string? problem = null) => Send(t => new IntentRestored(t, intent, problem));

    public PolicyDecision Disconnect() => Send(t => new SwitchDisconnected(t));

    /// <summary>The switch confirmed it holds the rules of the current decision.</summary>
    public PolicyDecision Confirm() => Send(t => new RulesConfirmed(t));

    public PolicyDecision Failback() => Send(t => new FailbackRequested(t, "test"));

    public PolicyDecision Move() => Send(t => new MoveRequested(t, "test"));

    public PolicyDecision Tick() => Send(t => new Tick(t));

    public ServerStatus Server(string name) => State.Find(name)!;

    public ServerRole Role(string name) => State.RoleOf(Server(name), Now);
}
