using System.Threading.Channels;
using Appliance.Api;
using Appliance.Switch;
using Appliance.Config;
using Appliance.Health;
using Appliance.Pipeline;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

/// <summary>
/// The firmware's one loop: switch events, probe results, requests and timers go in through one
/// queue and are handled one at a time, so the policy needs no locks. Each decision is turned into
/// rules, compared with what the switch holds, and only the difference is sent, barrier-confirmed.
/// </summary>
public sealed partial class ApplianceController : ISwitchHandler, IApplianceControl
{
    private static readonly TimeSpan MacRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

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
    private SwitchSession? _session;
    private RuleSet _installed = RuleSet.Empty;
    private ITimer? _wake;
    private CarrierWatch? _carrier;
    private long _lastLoopActivity;

    /// <param name="resolveMac">Finds a server's MAC by ARP when the config gives none; null when every server has one configured.</param>
    public ApplianceController(
        ApplianceConfig config,
        MonotonicClock clock,
        ILoggerFactory loggers,
        Func<ServerConfig, CancellationToken, Task<MacAddress?>>? resolveMac)
    {
        _config = config;
        _clock = clock;
        _time = clock.Time;
        _logger = loggers.CreateLogger<ApplianceController>();
        _policy = new FailoverPolicy(config);
        _builder = new RuleBuilder(config);
        _resolveMac = resolveMac;
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

    public EventLog Events { get; } = new();

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

    /// <summary>Watch the servers' port carriers through rtnetlink too (on the box; labs use veths that also work).</summary>
    public void WatchCarrier(ILoggerFactory loggers) =>
        _carrier = new CarrierWatch(_clock, loggers, (server, up, at) => Post(new PolicyCall(new LinkChanged(at, server, up))));

    /// <summary>A probe finished: counted for /metrics, and handed to the policy.</summary>
    public void ReportProbe(ProbeResult result, TimeSpan latency)
    {
        Probes.Record(result.Server, result.Healthy, latency);
        Post(new PolicyCall(result));
    }

    public Task<RequestOutcome> FailbackAsync(string source) => RequestAsync(new FailbackRequested(Now, source));

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

    public async Task RunAsync(CancellationToken stop)
    {
        using var heartbeat = _time.CreateTimer(static s => ((ApplianceController)s!).Post(new PolicyCall(new Tick(((ApplianceController)s!).Now))), this, Heartbeat, Heartbeat);
        var resolving = ResolveMissingMacsAsync(stop);
        try
        {
            await foreach (var input in _inputs.Reader.ReadAllAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(input).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogInputFailed(input.GetType().Name, e);
                }
                Interlocked.Exchange(ref _lastLoopActivity, _time.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        _wake?.Dispose();
        await resolving.ConfigureAwait(false);
        if (_carrier is not null) await _carrier.DisposeAsync().ConfigureAwait(false);
    }

    private void Post(ControllerInput input) => _inputs.Writer.TryWrite(input);

    private async Task HandleAsync(ControllerInput input)
    {
        switch (input)
        {
            case SessionUp up:
                await AdoptSessionAsync(up.Session).ConfigureAwait(false);
                break;
            case SessionDown down when down.Session == _session:
                _session = null;
                await DecideAsync(new SwitchDisconnected(Now)).ConfigureAwait(false);
                break;
            case PortChanged changed when changed.Session == _session:
                if (_config.FindServerByPort(changed.Port.PortNo) is { } server)
                {
                    await DecideAsync(new LinkChanged(Now, server.Name, changed.Port.IsLive)).ConfigureAwait(false);
                }
                break;
            case PolicyCall call:
                var decision = await DecideAsync(call.Input).ConfigureAwait(false);
                if (call.Reply is not null) call.Reply.TrySetResult(decision.Reply ?? new RequestOutcome(false, "not a request"));
                break;
            case MacLearned learned:
                if (!_macs.TryGetValue(learned.Server, out var known) || known != learned.Mac)
                {
                    _macs[learned.Server] = learned.Mac;
                    LogMacLearned(learned.Server, learned.Mac.ToString());
                    await ProgramAsync("server MAC learned").ConfigureAwait(false);
                    Publish();
                    if (_programmed.Task.IsCompleted && _config.Servers.All(s => _macs.ContainsKey(s.Name))) _reachable.TrySetResult();
                }
                break;
        }
    }

    private async Task AdoptSessionAsync(SwitchSession session)
    {
        _session = session;
        try
        {
            _installed = await ReadSwitchAsync(session).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SwitchDisconnectedException or OpenFlowErrorException or OpenFlowProtocolException)
        {
            LogReadFailed(e.Message);
            return;
        }
        foreach (var (server, mac) in _builder.MacsOf(_installed))
        {
            _macs.TryAdd(server, mac);
        }
        var live = _config.Servers
            .Where(s => session.Ports.TryGetValue(s.Port, out var port) && port.IsLive)
            .Select(s => s.Name)
            .ToHashSet();
        foreach (var server in _config.Servers.Where(s => !session.Ports.ContainsKey(s.Port)))
        {
            LogMissingPort(server.Name, server.Port, _config.Bridge.Name);
        }
        if (_carrier is not null)
        {
            await _carrier.WatchAsync(_config.Servers
                .Where(s => session.Ports.ContainsKey(s.Port))
                .ToDictionary(s => session.Ports[s.Port].Name.ToString(), s => s.Name)).ConfigureAwait(false);
        }
        await DecideAsync(new SwitchConnected(Now, _builder.ServersOf(_installed), live), force: true).ConfigureAwait(false);
        // ARP that failed before the switch forwarded anything can succeed now: try again at once.
        _resolveNow.Release();
        _programmed.TrySetResult();
        if (_config.Servers.All(s => _macs.ContainsKey(s.Name))) _reachable.TrySetResult();
    }

    private async Task<PolicyDecision> DecideAsync(PolicyInput input, bool force = false)
    {
        var decision = _policy.Handle(input);
        var wall = _time.GetUtcNow();
        foreach (var e in decision.Events)
        {
            Events.Add(new LoggedEvent(wall - (Now - e.At), e.Kind, e.Server, e.Message));
            LogEvent(e.Kind is EventKind.HealthDown or EventKind.LinkDown or EventKind.Failover or EventKind.NoHealthyServer or EventKind.SwitchDisconnected
                ? LogLevel.Warning : LogLevel.Information, e.Message);
        }
        ScheduleWake(decision.WakeAt);
        if (decision.DesiredChanged || force) await ProgramAsync(DescribeCause(input)).ConfigureAwait(false);
        if (decision.Events.Length > 0 || decision.DesiredChanged || force) Publish();
        return decision;
    }

    /// <summary>Makes the switch hold the rules of the policy's current decision, sending only what differs.</summary>
    private async Task ProgramAsync(string cause)
    {
        if (_session is not { IsClosed: false } session) return;
        var desired = _builder.Build(_policy.State.Desired, _macs);
        var messages = Reconciler.Diff(_installed, desired);
        if (messages.Count == 0)
        {
            _installed = desired;
            return;
        }
        try
        {
            var result = await session.ApplyAsync(messages).ConfigureAwait(false);
            if (result.Succeeded)
            {
                _installed = desired;
                LogProgrammed(messages.Count, cause, result.Elapsed.TotalMilliseconds, _policy.State.Desired.ToString());
                return;
            }
            foreach (var error in result.Errors) LogRefusedRule(error.ToString());
            // Some of the batch did not apply: learn what the switch really holds before the next change.
            _installed = await ReadSwitchAsync(session).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SwitchDisconnectedException or OpenFlowErrorException or OpenFlowProtocolException)
        {
            LogProgramFailed(cause, e.Message);
        }
    }

    private static async Task<RuleSet> ReadSwitchAsync(SwitchSession session)
    {
        var flows = await session.MultipartAsync<FlowStatsRequest, FlowStatsReply, FlowStats>(FlowStatsRequest.All).ConfigureAwait(false);
        var groups = await session.MultipartAsync<GroupDescRequest, GroupDescReply, GroupDesc>(new GroupDescRequest()).ConfigureAwait(false);
        return RuleSet.FromSwitch(flows, groups);
    }

    private void ScheduleWake(TimeSpan? at)
    {
        _wake?.Dispose();
        _wake = null;
        if (at is not { } when) return;
        var delay = when - Now;
        _wake = _time.CreateTimer(static s => ((ApplianceController)s!).Post(new PolicyCall(new Tick(((ApplianceController)s!).Now))),
            this, delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task ResolveMissingMacsAsync(CancellationToken stop)
    {
        if (_resolveMac is null) return;
        var pending = _config.Servers.Where(s => s.Mac is null).ToList();
        while (pending.Count > 0 && !stop.IsCancellationRequested)
        {
            foreach (var server in pending.ToArray())
            {
                try
                {
                    if (await _resolveMac(server, stop).ConfigureAwait(false) is { } mac)
                    {
                        Post(new MacLearned(server.Name, mac));
                        pending.Remove(server);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            if (pending.Count == 0) return;
            try
            {
                await _resolveNow.WaitAsync(MacRetry, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Publish()
    {
        Status = BuildStatus();
        StatusChanged?.Invoke(Status);
    }

    private ApplianceStatus BuildStatus()
    {
        var state = _policy.State;
        var now = Now;
        var servers = _config.Servers.Select(s =>
        {
            var status = state.Find(s.Name)!;
            var mac = _macs.TryGetValue(s.Name, out var m) ? m.ToString() : "unknown";
            return new ServerView(s.Name, s.Address.ToString(), s.Port, mac, status.Link, status.Health, state.RoleOf(status, now), status.LastDetail);
        }).ToArray();
        var session = _session;
        return new ApplianceStatus(
            state.Active,
            _config.Failback.ToString().ToLowerInvariant(),
            session is { IsClosed: false },
            session?.DatapathIdText,
            servers,
            state.Failovers,
            PanelView.From(state, now),
            [.. state.Desired.Buckets]);
    }

    private static string DescribeCause(PolicyInput input) => input switch
    {
        SwitchConnected => "switch connected",
        LinkChanged link => $"{link.Server} link {(link.Up ? "up" : "down")}",
        ProbeResult probe => $"{probe.Server} probe {(probe.Healthy ? "healthy" : probe.Detail)}",
        FailbackRequested request => $"failback requested ({request.Source})",
        MoveRequested request => $"move requested ({request.Source})",
        _ => input.GetType().Name,
    };

    // ISwitchHandler: called on the session's receive loop; everything is queued for the controller loop.
    void ISwitchHandler.OnConnected(SwitchSession session) => Post(new SessionUp(session));

    void ISwitchHandler.OnPortStatus(SwitchSession session, in PortStatus status) => Post(new PortChanged(session, status.Desc));

    void ISwitchHandler.OnPacketIn(SwitchSession session, in PacketIn packetIn)
    {
        // No rule sends packets to the controller; a stray one is not worth a log line per packet.
    }

    void ISwitchHandler.OnFlowRemoved(SwitchSession session, in FlowRemoved removed)
    {
    }

    void ISwitchHandler.OnUnsolicitedError(SwitchSession session, in ErrorMsg error) => LogUnsolicited(error.Code.ToString());

    void ISwitchHandler.OnDisconnected(SwitchSession session, string reason) => Post(new SessionDown(session, reason));

    [LoggerMessage(Message = "{Message}")]
    private partial void LogEvent(LogLevel level, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "programmed {Count} changes in {Milliseconds:0.0} ms ({Cause}): {Desired}")]
    private partial void LogProgrammed(int count, string cause, double milliseconds, string desired);

    [LoggerMessage(Level = LogLevel.Error, Message = "the switch refused a rule: {Error}")]
    private partial void LogRefusedRule(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "programming the switch failed ({Cause}): {Reason}")]
    private partial void LogProgramFailed(string cause, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reading the switch's rules failed: {Reason}")]
    private partial void LogReadFailed(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "server {Server} is on OpenFlow port {Port}, which bridge {Bridge} does not have (see ovs-config)")]
    private partial void LogMissingPort(string server, uint port, string bridge);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Server} has MAC {Mac}")]
    private partial void LogMacLearned(string server, string mac);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch reported {Code} for no request of ours")]
    private partial void LogUnsolicited(string code);

    [LoggerMessage(Level = LogLevel.Error, Message = "handling {Input} failed")]
    private partial void LogInputFailed(string input, Exception exception);
}
