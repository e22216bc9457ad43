using System.Threading.Channels;
using Appliance.Api;
using Appliance.Config;
using Appliance.Pipeline;
using Appliance.Policy;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

/// <summary>
/// The firmware's one loop: switch events, probe results, requests and timers go in through one
/// queue and are handled one at a time, so the policy needs no locks. Each decision is turned into
/// rules, compared with what the switch holds, and only the difference is sent, barrier-confirmed.
/// The loop never waits for the switch: one request at a time is outstanding and its answer comes
/// back through the queue, so a slow or stalled switch delays no probe, request or status.
/// </summary>
public sealed partial class ApplianceController : ISwitchHandler, IApplianceControl
{
    private readonly ApplianceConfig _config;
    private readonly MonotonicClock _clock;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FailoverPolicy _policy;
    private readonly RuleBuilder _builder;
    private readonly Func<ServerConfig, CancellationToken, Task<MacAddress?>>? _resolveMac;
    private readonly Channel<ControllerInput> _inputs = System.Threading.Channels.Channel.CreateUnbounded<ControllerInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, MacAddress> _macs = [];
    private readonly SemaphoreSlim _resolveNow = new(0);
    private readonly TaskCompletionSource _programmed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reachable = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OperatorIntentStore? _intents;
    private ISwitchChannel? _session;
    // What the switch holds, as far as we know: read at adoption, then what each confirmed batch made of it.
    private RuleSet _installed = RuleSet.Empty;
    private bool _adopted;
    // Reads of a new session's rules that failed; past AdoptionReads the switch is emptied and programmed anew.
    private int _failedAdoptionReads;
    // The switch's rules could not be read: the next batch empties it first instead of making a diff.
    private bool _replaceAll;
    // The session confirmed the rules of the current decision at least once.
    private bool _confirmed;
    // The one request to the switch outstanding; its answer comes back through the queue.
    private SwitchRequest? _work;
    // Counts the decisions the switch should follow; a batch carries the one it was built for.
    private int _wanted;
    private string _cause = "";
    private OperatorIntent? _savedIntent;
    private Task _saving = Task.CompletedTask;
    private Task _watching = Task.CompletedTask;
    private ITimer? _wake;
    private ICarrierWatch? _carrier;
    private long _lastLoopActivity;

    /// <param name="resolveMac">Finds a server's MAC by ARP when the config gives none; null when every server has one configured.</param>
    /// <param name="intents">Where the operator's intent is kept across restarts; null keeps it in memory only.</param>
    /// <param name="events">The event history to add to (on the box, one kept across restarts: <see cref="EventJournal"/>); null starts an empty one in memory.</param>
    public ApplianceController(
        ApplianceConfig config,
        MonotonicClock clock,
        ILoggerFactory loggers,
        Func<ServerConfig, CancellationToken, Task<MacAddress?>>? resolveMac,
        OperatorIntentStore? intents = null,
        EventLog? events = null)
    {
        _config = config;
        _clock = clock;
        _time = clock.Time;
        _logger = loggers.CreateLogger<ApplianceController>();
        _policy = new FailoverPolicy(config);
        _builder = new RuleBuilder(config);
        _resolveMac = resolveMac;
        _intents = intents;
        Events = events ?? new EventLog();
        _lastLoopActivity = _time.GetTimestamp();
        foreach (var server in config.Servers)
        {
            if (server.Mac is { } mac) _macs[server.Name] = mac;
        }
        Probes = new ProbeMetrics([.. config.Servers.Select(s => s.Name)]);
        Status = BuildStatus();
    }

    /// <summary>The latest published state; replaced, never changed.</summary>
    public ApplianceStatus Status { get; private set; }

    public EventLog Events { get; }

    public ProbeMetrics Probes { get; }

    /// <summary>
    /// Completes once the switch holds our rules for the first time. Until then the bridge forwards
    /// nothing (fail-secure), so probes through it could only fail and would mark healthy servers down.
    /// </summary>
    public Task SwitchProgrammed => _programmed.Task;

    /// <summary>
    /// Completes once the switch holds our rules and every server has answered ARP. Until then
    /// the switch may still drop the first packets from cached decisions made while it had no
    /// rules (tens of milliseconds), and probes would mark healthy servers down.
    /// </summary>
    public Task ServersReachable => _reachable.Task;

    /// <summary>Raised on the loop after every decision that changed the status.</summary>
    public event Action<ApplianceStatus>? StatusChanged;

    /// <summary>Raised when a button press (physical or through the API) was refused: the panel blinks red three times.</summary>
    public event Action<RequestOutcome>? PressRefused;

    /// <summary>Monotonic time since the firmware started: the policy's clock.</summary>
    public TimeSpan Now => _clock.Now;

    /// <summary>How long since the loop last finished an input: the watchdog's measure of health.</summary>
    public TimeSpan SinceLoopActivity => _time.GetElapsedTime(Interlocked.Read(ref _lastLoopActivity));

    /// <summary>
    /// Watch the servers' port carriers outside the switch too (on the box, rtnetlink's
    /// <see cref="CarrierWatch"/>); it reports through <see cref="ReportCarrier"/>. Call before
    /// <see cref="RunAsync"/>; the controller disposes it when the loop ends.
    /// </summary>
    public void WatchCarrier(ICarrierWatch carrier) => _carrier = carrier;

    /// <summary>A server's port carrier changed, as the kernel saw it at <paramref name="at"/> (the policy's clock).</summary>
    /// <summary>keepalived told a path's (VRRP instance's) new state (docs/pair.md).</summary>
    public void ReportPairPath(string path, VrrpState state) => Post(new PolicyCall(new PairPathChanged(Now, path, state)));

    /// <summary>keepalived is gone: an active box gives up its role (docs/pair.md).</summary>
    public void ReportKeepalivedLost(string reason) => Post(new PolicyCall(new PairKeepalivedLost(Now, reason)));

    /// <summary>This box compared the settings a pair shares with the peer's (docs/pair.md#settings).</summary>
    public void ReportPairSettings(PairSettingsStatus settings) => Post(new PolicyCall(new PairSettingsCompared(Now, settings)));

    /// <summary>This box is one of a pair: it starts as standby and listens for <paramref name="settle"/> first.</summary>
    /// <param name="settings">The settings comparison the previous controller knew (a configuration applied), else null.</param>
    public void StartPair(IReadOnlyList<string> paths, TimeSpan settle, bool wasActive, PairSettingsStatus? settings = null) =>
        Post(new PolicyCall(new PairStarted(Now, paths, settle, wasActive, settings)));

    public void ReportCarrier(string server, bool up, TimeSpan at) => Post(new PolicyCall(new LinkChanged(at, server, up, LinkSource.Carrier)));

    /// <summary>A probe finished: counted for /metrics, and handed to the policy.</summary>
    public void ReportProbe(ProbeResult result, TimeSpan latency)
    {
        Probes.Record(result.Server, result.Healthy, latency);
        Post(new PolicyCall(result));
    }

    public Task<RequestOutcome> FailbackAsync(string source) => RequestAsync(new FailbackRequested(Now, source));

    public Task<RequestOutcome> PairMoveAsync(PairMoveKind kind, string source) => RequestAsync(new PairMoveRequested(Now, kind, source));

    public async Task<RequestOutcome> PressAsync(PressKind kind, string source)
    {
        var outcome = await RequestAsync(kind.ToRequest(Now, source)).ConfigureAwait(false);
        if (!outcome.Accepted) PressRefused?.Invoke(outcome);
        return outcome;
    }

    private Task<RequestOutcome> RequestAsync(PolicyInput request)
    {
        var reply = new TaskCompletionSource<RequestOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new PolicyCall(request, reply));
        return reply.Task;
    }

    // ISwitchHandler: called on the channel's receive loop; everything is queued for the controller loop.
    void ISwitchHandler.OnConnected(ISwitchChannel channel) => Post(new SessionUp(channel));

    void ISwitchHandler.OnPortStatus(ISwitchChannel channel, in PortStatus status) => Post(new PortChanged(channel, status.Desc));

    void ISwitchHandler.OnPacketIn(ISwitchChannel channel, in PacketIn packetIn)
    {
        // Only passive health's reports come here (metered in the switch); anything else is not
        // worth a log line per packet. Read now: the packet is a view of the receive buffer.
        if (!RefusalReport.TryRead(packetIn, out var report) || _config.FindServerByPort(report.ServerPort) is not { } server) return;
        Probes.RecordRefusal(server.Name, report.Kind);
        Post(new PolicyCall(new ClientRefused(Now, server.Name, report.Kind, report.Port)));
    }

    void ISwitchHandler.OnFlowRemoved(ISwitchChannel channel, in FlowRemoved removed)
    {
    }

    void ISwitchHandler.OnUnsolicitedError(ISwitchChannel channel, in ErrorMsg error) => LogUnsolicited(error.Code.ToString());

    void ISwitchHandler.OnDisconnected(ISwitchChannel channel, string reason) => Post(new SessionDown(channel, reason));

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch reported {Code} for no request of ours")]
    private partial void LogUnsolicited(string code);
}
