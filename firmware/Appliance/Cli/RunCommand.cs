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

        foreach (var warning in config.Warnings) LogConfigWarning(logger, warning.ToString());
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

        var controller = new ApplianceController(config, clock, loggers, async (server, cancel) =>
            await arp.ResolveAsync(server.Address, cancel).ConfigureAwait(false));
        controller.WatchCarrier(new CarrierWatch(clock, loggers, controller.ReportCarrier));
        // The guard binds the management port's MAC to it; ARP heard there tells servers' MACs (see ApplianceController.Macs.cs).
        controller.ReadManagementMacWith(() => NetworkInterfaceInfo.TryReadMac(config.Bridge.Name));
        arp.Heard += controller.ReportArp;
        if (panel is not null)
        {
            controller.StatusChanged += status => panel.Show(status.Panel);
            controller.PressRefused += _ => panel.SignalRefused();
            panel.ShortPress += (_, _) => _ = controller.PressAsync(PressKind.Short, "button");
            panel.Hold += (_, _) => _ = controller.PressAsync(PressKind.Long, "button");
        }

        ApiToken token;
        try
        {
            token = ApiToken.LoadOrCreate(config.Api.TokenFile, out var tokenCreated);
            if (tokenCreated) LogTokenCreated(logger, config.Api.TokenFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Serving without a token the operator can read would leave POSTs open to nobody: say so, keep serving GETs.
            LogNoToken(logger, config.Api.TokenFile, e.Message);
            token = ApiToken.Unusable();
        }
        await using var api = ApiServer.Create(config.Api.Listen, controller, token, loggers);
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

        await using var listener = new SwitchListener(ToEndPoint(config.OpenFlow.Listen), controller, new SwitchSessionOptions(), time, loggers);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            LogCannotListen(logger, config.OpenFlow.Listen.ToString(), e.Message);
            return Program.Exit.Unreachable;
        }

        await using var prober = probe is null ? null : HealthProber.FromConfig(config, probe, (result, outcome) => controller.ReportProbe(result, outcome.Latency), clock, loggers.CreateLogger<HealthProber>());
        var loop = controller.RunAsync(stop.Token);
        var probing = prober is null ? Task.CompletedTask : StartProbingAsync(prober, controller, stop.Token);
        systemd.Ready($"listening on {config.OpenFlow.Listen}, API on {config.Api.Listen}");
        LogStarted(logger, config.SourcePath, config.Bridge.Name, config.Api.Listen.ToString());
        var watchdog = WatchdogAsync(systemd, controller, stop.Token);
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
    /// ARP through it (a server that never answers does not hold the others back for long).
    /// </summary>
    private static async Task StartProbingAsync(HealthProber prober, ApplianceController controller, CancellationToken stop)
    {
        await controller.SwitchProgrammed.WaitAsync(stop).ConfigureAwait(false);
        await Task.WhenAny(controller.ServersReachable, Task.Delay(TimeSpan.FromSeconds(2), stop)).ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
        prober.Start();
    }

    /// <summary>Pets systemd's watchdog only while the controller loop is alive, so a hung loop gets the firmware restarted.</summary>
    private static async Task WatchdogAsync(SystemdNotifier systemd, ApplianceController controller, CancellationToken stop)
    {
        if (systemd.WatchdogInterval is not { } interval) return;
        using var timer = new PeriodicTimer(interval / 4);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (controller.SinceLoopActivity < interval / 2) systemd.Watchdog();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

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

    [LoggerMessage(Level = LogLevel.Error, Message = "the API token file {Path} can be neither read nor made ({Reason}); POSTs are refused until it exists")]
    private static partial void LogNoToken(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no API token was found; made one in {Path}")]
    private static partial void LogTokenCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance running with {Config}: waiting for bridge {Bridge}, API on http://{Api}/")]
    private static partial void LogStarted(ILogger logger, string config, string bridge, string api);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance stopped; the switch keeps its rules")]
    private static partial void LogStopped(ILogger logger);
}
