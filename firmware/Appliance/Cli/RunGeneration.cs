using Appliance.Api;
using Appliance.Config;
using Appliance.Controller;
using Appliance.Health;
using Appliance.Hosting;
using Appliance.Panel;
using Appliance.Policy;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Cli;

/// <summary>What every generation shares: built once per process.</summary>
internal sealed record RunShared(ILoggerFactory Loggers, TimeProvider Time, MonotonicClock Clock, EventLog Events, Func<FrontPanel?> Panel);

/// <summary>A generation could not be built or started; <see cref="Exit"/> is what <c>run</c> exits with when it is the first.</summary>
internal sealed class GenerationException(string message, int exit) : Exception(message)
{
    public int Exit { get; } = exit;
}

/// <summary>
/// The pieces of the firmware built from one configuration that applying another replaces together: ARP, the health
/// probes, the controller, the OpenFlow listener and the prober. Stopping one leaves the switch's rules as they are,
/// as stopping the firmware does; the next generation's controller adopts them and changes only what differs.
/// What outlives a generation (the event history, the panel and the API while their sections are unchanged) is
/// <see cref="RunCommand"/>'s.
/// </summary>
internal sealed class RunGeneration : IAsyncDisposable
{
    /// <summary>ovs-vswitchd answers a control command in microseconds; a second means it is stuck, and the reading is skipped.</summary>
    private static readonly TimeSpan ConntrackReadTimeout = TimeSpan.FromSeconds(1);

    private readonly RunShared _shared;
    private readonly CancellationTokenSource _stop;
    private readonly IHealthProbe? _probe;
    private Task _probing = Task.CompletedTask;
    private bool _disposed;

    private RunGeneration(ApplianceConfig config, RunShared shared, ArpResolver arp, IHealthProbe? probe, ApplianceController controller, SwitchListener listener, CancellationToken processStop)
    {
        Config = config;
        _shared = shared;
        Arp = arp;
        _probe = probe;
        Controller = controller;
        Listener = listener;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(processStop);
    }

    public ApplianceConfig Config { get; }

    public ArpResolver Arp { get; }

    public ApplianceController Controller { get; }

    public SwitchListener Listener { get; }

    public HealthProber? Prober { get; private set; }

    /// <summary>Follows keepalived when this box is one of a pair; null otherwise.</summary>
    public KeepalivedFollower? Pair { get; private init; }

    /// <summary>Compares the pair's shared settings with the peer's (<c>pair.peer_api</c>); null otherwise.</summary>
    public PairSettingsWatch? PairSettings { get; private init; }

    /// <summary>The controller's loop; completed before <see cref="Start"/>.</summary>
    public Task Loop { get; private set; } = Task.CompletedTask;

    /// <summary>Builds the pieces (nothing listens yet).</summary>
    /// <exception cref="GenerationException">The bridge's internal port with the management address is missing.</exception>
    /// <param name="knownSettings">What the generation replaced knew of the pair's settings (docs/pair.md#settings); null at start.</param>
    public static RunGeneration Build(ApplianceConfig config, RunShared shared, CancellationToken processStop, PairSettingsStatus? knownSettings = null)
    {
        var loggers = shared.Loggers;
        ArpResolver arp;
        IHealthProbe? probe;
        try
        {
            // ARP and probes leave from the management address on the bridge's internal port.
            arp = ArpResolver.Open(config.Bridge.Name, config.Bridge.ManagementAddress, loggers.CreateLogger<ArpResolver>());
            probe = HealthProbes.Create(config.Health, config.Bridge, loggers, arp);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            throw new GenerationException(
                $"the bridge's internal port {config.Bridge.Name} with the management address {config.Bridge.ManagementCidr} is needed (ovs-config/setup-bridge makes it): {e.Message}",
                Program.Exit.Unreachable);
        }

        // Drains and manual-failback holds survive in the state directory (operator.json), across generations too.
        var controller = new ApplianceController(config, shared.Clock, loggers, async (server, cancel) =>
            await arp.ResolveAsync(server.Address, cancel).ConfigureAwait(false), OperatorIntentStore.InStateDirectory(), shared.Events);
        controller.WatchCarrier(new CarrierWatch(shared.Clock, loggers, controller.ReportCarrier));
        // The guard binds the management port's MAC to it; ARP heard there tells servers' MACs (see ApplianceController.Macs.cs).
        controller.ReadManagementMacWith(() => NetworkInterfaceInfo.TryReadMac(config.Bridge.Name));
        arp.Heard += controller.ReportArp;
        // Connections per server: conntrack's count in each server's zone, asked of ovs-vswitchd (docs/api.md).
        controller.CountConnectionsWith((zones, cancel) => ConntrackLimits.ReadAsync(zones, ConntrackReadTimeout, cancel));
        // The panel of the moment (it may be replaced by an apply that changes panel:).
        controller.StatusChanged += status => shared.Panel()?.Show(status.Panel);
        controller.PressRefused += _ => shared.Panel()?.SignalRefused();
        // One of a pair: the role follows keepalived (docs/pair.md); told first, before any switch.
        KeepalivedFollower? pair = null;
        PairSettingsWatch? pairSettings = null;
        if (config.Pair is { } pairConfig)
        {
            controller.StartPair(PairConfig.Paths, pairConfig.Settle, KeepalivedFollower.WasActive(pairConfig), knownSettings);
            pair = new KeepalivedFollower(pairConfig, controller, loggers.CreateLogger<KeepalivedFollower>());
            pairSettings = PairSettingsWatch.For(pairConfig, () => ConfigApplier.Read(config.SourcePath), controller, loggers);
        }

        var datapath = config.OpenFlow.DatapathId is { } datapathId ? DatapathBinding.Fixed(datapathId) : DatapathBinding.FromOvsdb(config.Bridge.Name);
        var listener = new SwitchListener(RunCommand.ToEndPoint(config.OpenFlow.Listen), controller, datapath, new SwitchSessionOptions(), shared.Time, loggers);
        return new RunGeneration(config, shared, arp, probe, controller, listener, processStop) { Pair = pair, PairSettings = pairSettings };
    }

    /// <summary>Listens for the switch, runs the controller and, once the switch forwards, the probes.</summary>
    /// <exception cref="GenerationException">The OpenFlow address cannot be listened on.</exception>
    public void Start()
    {
        try
        {
            Listener.Start();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
        {
            throw new GenerationException($"cannot listen for the switch on {Config.OpenFlow.Listen}: {e.Message}", Program.Exit.Unreachable);
        }
        var controller = Controller;
        Prober = _probe is null ? null : HealthProber.FromConfig(Config, _probe, (result, outcome) => controller.ReportProbe(result, outcome.Latency), _shared.Clock, _shared.Loggers.CreateLogger<HealthProber>());
        Loop = Controller.RunAsync(_stop.Token);
        Pair?.Start();
        PairSettings?.Start();
        _probing = Prober is null ? Task.CompletedTask : StartProbingAsync(Prober, Controller, _stop.Token);
    }

    /// <summary>
    /// Probes start once the switch forwards for us: after our rules are in and the servers answer
    /// ARP through it (a server that never answers does not hold the others back for long). A
    /// switch that never takes our rules (one refused) does not hold the probes back for good
    /// either: the status would show servers presumed healthy that nobody checks. The policy does
    /// not count failures while no switch is connected, or just after one connected.
    /// </summary>
    private static async Task StartProbingAsync(HealthProber prober, ApplianceController controller, CancellationToken stop)
    {
        await Task.WhenAny(controller.SwitchProgrammed, Task.Delay(TimeSpan.FromSeconds(30), stop)).ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
        await Task.WhenAny(controller.ServersReachable, Task.Delay(TimeSpan.FromSeconds(2), stop)).ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
        prober.Start();
    }

    /// <summary>
    /// Every loop of this generation, and how long each may stay silent: half the watchdog interval
    /// (the controller's heartbeat ticks every second, the probe schedule at least every interval).
    /// </summary>
    public void Watch(LoopLiveness liveness, TimeSpan silence)
    {
        liveness.Watch("controller loop", LoopLiveness.Running(Loop));
        liveness.Watch("controller loop", LoopLiveness.Active(() => Controller.SinceLoopActivity, silence));
        liveness.Watch("ARP receiver", LoopLiveness.Running(Arp.Receiving));
        if (Prober is { } prober)
        {
            liveness.Watch("probe schedule", LoopLiveness.NotFaulted(() => prober.Fault));
            liveness.Watch("probe schedule", LoopLiveness.Active(() => prober.SinceActivity, silence > 2 * prober.Interval ? silence : 2 * prober.Interval));
        }
    }

    /// <summary>Stops every piece; the switch keeps its rules.</summary>
    public async ValueTask DisposeAsync()
    {
        // Replacing a generation stops it, and the end of run stops whichever is last: maybe the same.
        if (_disposed) return;
        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _probing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Prober is not null)
        {
            await Prober.StopAsync().ConfigureAwait(false);
            await Prober.DisposeAsync().ConfigureAwait(false);
        }
        if (_probe is not null) await _probe.DisposeAsync().ConfigureAwait(false);
        await Listener.DisposeAsync().ConfigureAwait(false);
        if (Pair is not null) await Pair.DisposeAsync().ConfigureAwait(false);
        if (PairSettings is not null) await PairSettings.DisposeAsync().ConfigureAwait(false);
        Arp.Heard -= Controller.ReportArp;
        await Arp.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
