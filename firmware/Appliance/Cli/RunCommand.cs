using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Appliance.Config;
using Appliance.Controller;
using Appliance.Health;
using Appliance.Hosting;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Cli;

/// <summary>
/// <c>appliance run</c>: the firmware in the foreground. SIGTERM or SIGINT stops it without
/// touching the switch: the rules stay and keep serving the VIP while the firmware is away.
/// </summary>
internal static partial class RunCommand
{
    public static async Task<int> RunAsync(ApplianceConfig config)
    {
        var level = Environment.GetEnvironmentVariable("APPLIANCE_LOG") is { } name && Enum.TryParse<LogLevel>(name, true, out var parsed) ? parsed : LogLevel.Information;
        using var loggers = ConsoleLog.CreateFactory(level);
        var logger = loggers.CreateLogger("appliance");
        using var systemd = new SystemdNotifier();
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        foreach (var warning in config.Warnings) LogConfigWarning(logger, warning.ToString());
        if (!config.OpenFlow.Listen.IsLoopback) LogRemoteChannel(logger, config.OpenFlow.Listen.ToString());

        var time = TimeProvider.System;
        ArpResolver arp;
        try
        {
            // Probes and ARP leave from the management address on the bridge's internal port.
            arp = ArpResolver.Open(config.Bridge.Name, config.Bridge.ManagementAddress, loggers.CreateLogger<ArpResolver>());
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            LogNoManagementInterface(logger, config.Bridge.Name, config.Bridge.ManagementCidr, e.Message);
            return Program.Exit.Unreachable;
        }
        await using var arpResolver = arp;
        var controller = new ApplianceController(config, time, loggers, async (server, stop) =>
            await arp.ResolveAsync(server.Address, stop).ConfigureAwait(false) is { } mac ? new MacAddress(mac.Value) : null);
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
        var loop = controller.RunAsync(stop.Token);
        systemd.Ready($"listening on {config.OpenFlow.Listen}");
        LogStarted(logger, config.SourcePath, config.Bridge.Name);
        var watchdog = WatchdogAsync(systemd, controller, stop.Token);
        await loop.ConfigureAwait(false);
        await watchdog.ConfigureAwait(false);
        systemd.Stopping();
        LogStopped(logger);
        return Program.Exit.Ok;

        void Stop(PosixSignalContext context)
        {
            // The default action would kill the process before the session is closed cleanly.
            context.Cancel = true;
            stop.Cancel();
        }
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
    private static partial void LogNoManagementInterface(ILogger logger, string bridge, string management, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot listen for the switch on {Endpoint}: {Reason}")]
    private static partial void LogCannotListen(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance running with {Config}, waiting for bridge {Bridge}")]
    private static partial void LogStarted(ILogger logger, string config, string bridge);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance stopped; the switch keeps its rules")]
    private static partial void LogStopped(ILogger logger);
}
