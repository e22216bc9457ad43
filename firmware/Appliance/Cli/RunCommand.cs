using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
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

/// <summary>
/// <c>appliance run</c>: the firmware in the foreground. Everything it needs is checked before the
/// switch is touched, and a missing piece is named. SIGTERM or SIGINT stops it without touching the
/// switch: the rules stay and keep serving the VIP while the firmware is away.
/// </summary>
internal static partial class RunCommand
{
    /// <summary>ovs-vswitchd answers a control command in microseconds; a second means it is stuck, and the reading is skipped.</summary>
    private static readonly TimeSpan ConntrackReadTimeout = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(ApplianceConfig config)
    {
        using var loggers = FirmwareLogging.Create();
        var logger = loggers.CreateLogger("appliance");
        using var systemd = new SystemdNotifier();
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var time = TimeProvider.System;
        var clock = new MonotonicClock(time);

        foreach (var warning in ConfigError.Printed(config.Warnings, "warnings")) LogConfigWarning(logger, warning);
        if (!config.OpenFlow.Listen.IsLoopback) LogRemoteChannel(logger, config.OpenFlow.Listen.ToString());

        FrontPanel? panel;
        try
        {
            panel = FrontPanel.Open(config.Panel, time, loggers);
        }
        catch (PanelStartupException e)
        {
            Console.Error.WriteLine(e.ToConfigError(config.SourcePath));
            return Program.Exit.Invalid;
        }
        using var panelLifetime = panel;
        using var terminal = panel?.Simulator is not null ? TerminalPanel.ForConsole() : null;
        if (panel is not null) terminal?.Attach(panel);

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
            LogMissingManagement(logger, config.Bridge.Name, config.Bridge.ManagementCidr, e.Message);
            return Program.Exit.Unreachable;
        }
        await using var arpLifetime = arp;

        // The event history survives a restart in the state directory too (events.jsonl), written
        // beside the loop; disposed last, so that the events of the stop are written.
        await using var journal = EventJournal.InStateDirectory(loggers.CreateLogger<EventJournal>());
        if (journal.Problem is { } historyProblem) LogHistoryProblem(logger, historyProblem);
        var events = new EventLog(journal);
        await using var notifier = Appliance.Notify.Notifier.Start(config, events, loggers);
        // Drains and manual-failback holds survive a restart in the state directory (operator.json).
        var controller = new ApplianceController(config, clock, loggers, async (server, cancel) =>
            await arp.ResolveAsync(server.Address, cancel).ConfigureAwait(false), OperatorIntentStore.InStateDirectory(), events);
        controller.WatchCarrier(new CarrierWatch(clock, loggers, controller.ReportCarrier));
        // The guard binds the management port's MAC to it; ARP heard there tells servers' MACs (see ApplianceController.Macs.cs).
        controller.ReadManagementMacWith(() => NetworkInterfaceInfo.TryReadMac(config.Bridge.Name));
        arp.Heard += controller.ReportArp;
        // Connections per server: conntrack's count in each server's zone, asked of ovs-vswitchd (docs/api.md).
        controller.CountConnectionsWith((zones, cancel) => ConntrackLimits.ReadAsync(zones, ConntrackReadTimeout, cancel));
        if (panel is not null)
        {
            controller.StatusChanged += status => panel.Show(status.Panel);
            controller.PressRefused += _ => panel.SignalRefused();
            panel.ShortPress += (_, _) => _ = controller.PressAsync(PressKind.Short, "button");
            panel.Hold += (_, _) => _ = controller.PressAsync(PressKind.Long, "button");
        }

        var token = ApiToken.LoadOrCreate(config.Api.TokenFile, out var tokenCreated);
        if (tokenCreated) LogTokenCreated(logger, config.Api.TokenFile);
        // Without a usable token POSTs are open to nobody: say so, keep serving GETs.
        if (token.Refusal is { } refusal) LogTokenRefused(logger, refusal);
        var datapath = config.OpenFlow.DatapathId is { } datapathId ? DatapathBinding.Fixed(datapathId) : DatapathBinding.FromOvsdb(config.Bridge.Name);
        await using var listener = new SwitchListener(ToEndPoint(config.OpenFlow.Listen), controller, datapath, new SwitchSessionOptions(), time, loggers);
        await using var api = ApiServer.Create(config.Api.Listen, controller, token, HostFilter.For(config), loggers, listener.Refusals.Snapshot, notifier);
        try
        {
            await api.StartAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Kestrel reports an address in use as IOException, one the machine does not have as SocketException.
            LogCannotServeApi(logger, config.Api.Listen.ToString(), e.Message);
            return Program.Exit.Unreachable;
        }

        try
        {
            listener.Start();
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            LogCannotListen(logger, config.OpenFlow.Listen.ToString(), e.Message);
            return Program.Exit.Unreachable;
        }

        await using var prober = probe is null ? null : HealthProber.FromConfig(config, probe, (result, outcome) => controller.ReportProbe(result, outcome.Latency), clock, loggers.CreateLogger<HealthProber>());
        // Only now, when nothing can stop the start any more: a firmware that exits at start and is
        // restarted every second would otherwise fill the history, and wear the card, with starts.
        events.Add(new LoggedEvent(time.GetUtcNow(), EventKind.FirmwareStarted, null, Started(journal)));
        var loop = controller.RunAsync(stop.Token);
        var probing = prober is null ? Task.CompletedTask : StartProbingAsync(prober, controller, stop.Token);
        systemd.Ready($"listening on {config.OpenFlow.Listen}, API on {config.Api.Listen}");
        LogStarted(logger, config.SourcePath, config.Bridge.Name, config.Api.Listen.ToString());
        var watchdog = WatchdogAsync(systemd, Liveness(systemd, controller, loop, arp, prober, panel), logger, stop.Token);
        await loop.ConfigureAwait(false);
        await watchdog.ConfigureAwait(false);
        systemd.Stopping();
        await probing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (prober is not null) await prober.StopAsync().ConfigureAwait(false);
        if (probe is not null) await probe.DisposeAsync().ConfigureAwait(false);
        LogStopped(logger);
        return Program.Exit.Ok;

        void Stop(PosixSignalContext context)
        {
            // The default action would end the process before the session is closed cleanly.
            context.Cancel = true;
            stop.Cancel();
        }
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
    /// Every loop the firmware needs, and how long each may stay silent: half the watchdog interval
    /// (the controller's heartbeat and the panel's timer tick every second, the probe schedule at
    /// least every interval).
    /// </summary>
    private static LoopLiveness Liveness(SystemdNotifier systemd, ApplianceController controller, Task loop, ArpResolver arp, HealthProber? prober, FrontPanel? panel)
    {
        var silence = (systemd.WatchdogInterval ?? TimeSpan.FromSeconds(10)) / 2;
        var liveness = new LoopLiveness();
        liveness.Watch("controller loop", LoopLiveness.Running(loop));
        liveness.Watch("controller loop", LoopLiveness.Active(() => controller.SinceLoopActivity, silence));
        liveness.Watch("ARP receiver", LoopLiveness.Running(arp.Receiving));
        if (prober is not null)
        {
            liveness.Watch("probe schedule", LoopLiveness.NotFaulted(() => prober.Fault));
            liveness.Watch("probe schedule", LoopLiveness.Active(() => prober.SinceActivity, silence > 2 * prober.Interval ? silence : 2 * prober.Interval));
        }
        if (panel is not null) liveness.Watch("front panel", LoopLiveness.Active(() => panel.SinceActivity, silence));
        return liveness;
    }

    /// <summary>
    /// Pets systemd's watchdog only while every loop is alive, so a dead or hung one gets the
    /// firmware restarted; says once which loop it was. Without a watchdog it still says so.
    /// </summary>
    private static async Task WatchdogAsync(SystemdNotifier systemd, LoopLiveness liveness, ILogger logger, CancellationToken stop)
    {
        using var timer = new PeriodicTimer((systemd.WatchdogInterval ?? TimeSpan.FromSeconds(10)) / 4);
        var told = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                // Stopping ends the loops on purpose.
                if (stop.IsCancellationRequested) break;
                var problems = liveness.Problems();
                if (problems.Count == 0)
                {
                    if (systemd.WatchdogInterval is not null) systemd.Watchdog();
                    told = false;
                    continue;
                }
                if (!told && systemd.WatchdogInterval is not null) LogLoopDead(logger, string.Join("; ", problems));
                else if (!told) LogLoopDeadUnwatched(logger, string.Join("; ", problems));
                told = true;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Started(EventJournal journal) =>
        $"firmware {BuildInfo.Describe(BuildInfo.Version, BuildInfo.Commit)} started; " + (journal.Problem is { } problem ? $"event history: {problem}"
            : journal.Loaded.Count == 0 ? "no event history before" : $"{journal.Loaded.Count} earlier events kept");

    internal static EndPoint ToEndPoint(OpenFlowEndpoint endpoint) => endpoint switch
    {
        TcpEndpoint tcp => new IPEndPoint(tcp.Address, tcp.Port),
        UnixEndpoint unix => new UnixDomainSocketEndPoint(unix.Path),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "config: {Warning}")]
    private static partial void LogConfigWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the OpenFlow channel listens on {Endpoint}, reachable from the network (openflow.allow_remote is set)")]
    private static partial void LogRemoteChannel(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the bridge's internal port {Bridge} with the management address {Management} is needed (ovs-config/setup-bridge makes it): {Reason}")]
    private static partial void LogMissingManagement(ILogger logger, string bridge, string management, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot serve the API on {Endpoint} (api.listen): {Reason}")]
    private static partial void LogCannotServeApi(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot listen for the switch on {Endpoint}: {Reason}")]
    private static partial void LogCannotListen(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}; every POST is refused until it is fixed and the firmware restarted")]
    private static partial void LogTokenRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "event history: {Problem}")]
    private static partial void LogHistoryProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no API token was found; made one in {Path}")]
    private static partial void LogTokenCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance running with {Config}: waiting for bridge {Bridge}, API on http://{Api}/")]
    private static partial void LogStarted(ILogger logger, string config, string bridge, string api);

    [LoggerMessage(Level = LogLevel.Critical, Message = "a loop of the firmware is dead ({Problems}): the watchdog is no longer told all is well, so systemd restarts the firmware")]
    private static partial void LogLoopDead(ILogger logger, string problems);

    [LoggerMessage(Level = LogLevel.Critical, Message = "a loop of the firmware is dead ({Problems}); without systemd's watchdog nothing restarts it")]
    private static partial void LogLoopDeadUnwatched(ILogger logger, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance stopped; the switch keeps its rules")]
    private static partial void LogStopped(ILogger logger);
}
