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
    /// <summary>How long a new configuration has to get the switch programmed before it is rolled back.</summary>
    internal static readonly TimeSpan ConfirmWithin = TimeSpan.FromSeconds(10);

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

        Announce(config, logger);
        var panels = new PanelHolder(time, loggers);
        using var panelLifetime = panels;
        try
        {
            panels.Open(config.Panel);
        }
        catch (PanelStartupException e)
        {
            Console.Error.WriteLine(e.ToConfigError(config.SourcePath));
            return Program.Exit.Invalid;
        }

        // The event history survives a restart in the state directory too (events.jsonl), written
        // beside the loop; disposed last, so that the events of the stop are written. It outlives
        // every generation: an apply is in the same history.
        await using var journal = EventJournal.InStateDirectory(loggers.CreateLogger<EventJournal>());
        if (journal.Problem is { } historyProblem) LogHistoryProblem(logger, historyProblem);
        var events = new EventLog(journal);
        var shared = new RunShared(loggers, time, clock, events, () => panels.Panel);
        // Notifications follow the event log from before the first generation, so they tell of its start too.
        await using var notifications = new NotifierHolder(events, loggers);
        await notifications.OpenAsync(config).ConfigureAwait(false);
        // A/B updates (RAUC): outlive every generation and API server, as an install may run across an apply.
        await using var updates = new UpdateService(UpdatePaths.FromEnvironment(), events, time, loggers.CreateLogger("update"));

        // Things built from the configuration. A generation (ARP, probes, controller, OpenFlow
        // listener, prober) is replaced whole by every apply; the panel and the API server only when
        // their own settings change (they hold hardware lines and the address the operator talks to).
        // A new piece built from the configuration goes in RunGeneration when it may simply restart
        // with every apply, or beside the panel here when it must outlive applies that do not touch it
        // (a holder as PanelHolder: opened here, and again in RunWithAsync below when its section
        // changed). The event log outlives both, so a piece that follows events (notifications) sees
        // config_applied and config_rolled_back too.
        RunGeneration generation;
        try
        {
            generation = RunGeneration.Build(config, shared, stop.Token);
        }
        catch (GenerationException e)
        {
            LogCannotStart(logger, e.Message);
            return e.Exit;
        }
        var control = new CurrentControl(generation.Controller);
        panels.Control = control;
        var applier = new ConfigApplier(config);
        var apis = new ApiHolder(control, applier, notifications, () => generation.Listener.Refusals.Snapshot(), updates, loggers, logger);
        try
        {
            if (await apis.StartAsync(config, stop.Token).ConfigureAwait(false) is { } apiProblem)
            {
                LogCannotStart(logger, apiProblem);
                return Program.Exit.Unreachable;
            }
            try
            {
                generation.Start();
            }
            catch (GenerationException e)
            {
                LogCannotStart(logger, e.Message);
                return e.Exit;
            }

            // Only now, when nothing can stop the start any more: a firmware that exits at start and is
            // restarted every second would otherwise fill the history, and wear the card, with starts.
            events.Add(new LoggedEvent(time.GetUtcNow(), EventKind.FirmwareStarted, null, Started(journal)));
            // After the start event: the outcome of a trial boot is told after the start of the firmware it booted.
            updates.Start();
            systemd.Ready($"listening on {config.OpenFlow.Listen}, API on {config.Api.Listen}");
            LogStarted(logger, config.SourcePath, config.Bridge.Name, config.Api.Listen.ToString());
            // While a generation is being replaced there are no loops to watch (an apply takes at most
            // twice ConfirmWithin); the watchdog keeps being told all is well.
            var switching = false;
            var watchdog = WatchdogAsync(systemd, () => switching ? null : Liveness(systemd, generation, panels.Panel), logger, stop.Token);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var onStop = stop.Token.Register(() => stopped.TrySetResult());
            var exit = Program.Exit.Ok;
            while (!stop.IsCancellationRequested)
            {
                var next = applier.Requests.ReadAsync(stop.Token).AsTask();
                await Task.WhenAny(next, stopped.Task).ConfigureAwait(false);
                if (!next.IsCompletedSuccessfully) break;
                var request = next.Result;
                switching = true;
                var (outcome, fatal) = await SwitchAsync(request).ConfigureAwait(false);
                switching = false;
                request.Done.TrySetResult(outcome);
                if (fatal)
                {
                    exit = Program.Exit.Unreachable;
                    break;
                }
            }
            applier.Close();
            await watchdog.ConfigureAwait(false);
            systemd.Stopping();
            LogStopped(logger);
            return exit;
        }
        finally
        {
            await generation.DisposeAsync().ConfigureAwait(false);
            await apis.DisposeAsync().ConfigureAwait(false);
        }

        void Stop(PosixSignalContext context)
        {
            // The default action would end the process before the session is closed cleanly.
            context.Cancel = true;
            stop.Cancel();
        }

        // Stops the running generation and starts one with the new configuration; rolls back when the
        // switch does not take it in time. Fatal when not even the previous configuration starts again.
        async Task<(ApplyOutcome Outcome, bool Fatal)> SwitchAsync(SwitchRequest request)
        {
            var previous = applier.Running;
            var changed = request.Candidate.ChangedKeys.Count == 0 ? "no key" : string.Join(", ", request.Candidate.ChangedKeys);
            LogApplying(logger, applier.Path, changed);
            var why = await RunWithAsync(request.Config, confirm: true).ConfigureAwait(false);
            if (why is not null && stop.IsCancellationRequested)
            {
                // Stopped (systemctl stop, shutdown) before the switch could confirm: that says nothing against the
                // new file, which stays and is read at the next start. A rollback here would be a false alarm.
                LogStoppedDuringApply(logger, applier.Path);
                return (ConfigApplier.Stopping(request.Candidate), false);
            }
            if (why is null)
            {
                applier.Running = request.Config;
                Announce(request.Config, logger);
                var message = $"configuration applied ({changed} changed); the switch took the rules";
                events.Add(new LoggedEvent(time.GetUtcNow(), EventKind.ConfigApplied, null, message));
                LogApplied(logger, changed);
                return (new ApplyOutcome(ApplyResult.Applied, message, request.Candidate), false);
            }
            LogRollingBack(logger, why);
            string? restoreProblem = null;
            try
            {
                ConfigApplier.Write(applier.Path, request.PreviousText);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                restoreProblem = $"; the previous file could not be written back ({e.Message}): it is in {applier.PreviousPath}";
            }
            var again = await RunWithAsync(previous, confirm: true).ConfigureAwait(false);
            var rolledBack = $"configuration rolled back: {why}; the previous file was restored{restoreProblem} and runs again" +
                (again is null ? "" : $", but {again}");
            events.Add(new LoggedEvent(time.GetUtcNow(), EventKind.ConfigRolledBack, null, rolledBack));
            LogRolledBack(logger, rolledBack);
            // Without a generation running there is nothing serving the switch; a new process (systemd) starts with the restored file.
            var fatal = again is not null && generation.Loop.IsCompleted;
            return (new ApplyOutcome(ApplyResult.RolledBack, rolledBack, request.Candidate), fatal);
        }

        // Replaces the generation (and the panel or API when their sections change) with one for
        // next; with confirm, waits for the switch to be programmed. Null when it runs; else why not.
        async Task<string?> RunWithAsync(ApplianceConfig next, bool confirm)
        {
            // A pair's settings comparison outlives the generation: its events are told on change only.
            var pairSettings = generation.Controller.Status.Pair?.Settings;
            await generation.DisposeAsync().ConfigureAwait(false);
            try
            {
                panels.Open(next.Panel);
            }
            catch (PanelStartupException e)
            {
                return e.ToConfigError(next.SourcePath).Message;
            }
            await notifications.OpenAsync(next).ConfigureAwait(false);
            try
            {
                generation = RunGeneration.Build(next, shared, stop.Token, pairSettings);
            }
            catch (GenerationException e)
            {
                return e.Message;
            }
            control.Controller = generation.Controller;
            if (await apis.StartAsync(next, stop.Token).ConfigureAwait(false) is { } apiProblem) return apiProblem;
            try
            {
                generation.Start();
            }
            catch (GenerationException e)
            {
                return e.Message;
            }
            if (!confirm) return null;
            var programmed = generation.Controller.SwitchProgrammed;
            await Task.WhenAny(programmed, Task.Delay(ConfirmWithin, stop.Token)).ConfigureAwait(false);
            if (programmed.IsCompleted) return null;
            return generation.Controller.Status.SwitchConnected
                ? $"the switch did not take the rules within {ConfirmWithin.TotalSeconds:0} s"
                : $"no switch connected within {ConfirmWithin.TotalSeconds:0} s";
        }
    }

    /// <summary>What the log says of a configuration when it starts to run.</summary>
    private static void Announce(ApplianceConfig config, ILogger logger)
    {
        foreach (var warning in ConfigError.Printed(config.Warnings, "warnings")) LogConfigWarning(logger, warning);
        if (!config.OpenFlow.Listen.IsLoopback) LogRemoteChannel(logger, config.OpenFlow.Listen.ToString());
    }

    /// <summary>
    /// Every loop the firmware needs, and how long each may stay silent: half the watchdog interval
    /// (the controller's heartbeat and the panel's timer tick every second, the probe schedule at
    /// least every interval).
    /// </summary>
    private static LoopLiveness Liveness(SystemdNotifier systemd, RunGeneration generation, FrontPanel? panel)
    {
        var silence = (systemd.WatchdogInterval ?? TimeSpan.FromSeconds(10)) / 2;
        var liveness = new LoopLiveness();
        generation.Watch(liveness, silence);
        if (panel is not null) liveness.Watch("front panel", LoopLiveness.Active(() => panel.SinceActivity, silence));
        return liveness;
    }

    /// <summary>
    /// Pets systemd's watchdog only while every loop is alive, so a dead or hung one gets the
    /// firmware restarted; says once which loop it was. Without a watchdog it still says so.
    /// </summary>
    private static async Task WatchdogAsync(SystemdNotifier systemd, Func<LoopLiveness?> liveness, ILogger logger, CancellationToken stop)
    {
        using var timer = new PeriodicTimer((systemd.WatchdogInterval ?? TimeSpan.FromSeconds(10)) / 4);
        var told = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                // Stopping ends the loops on purpose.
                if (stop.IsCancellationRequested) break;
                var problems = liveness()?.Problems() ?? [];
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

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}")]
    private static partial void LogCannotStart(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "applying {Config} ({Changed} changed): the firmware's pieces restart with it; the switch keeps its rules meanwhile")]
    private static partial void LogApplying(ILogger logger, string config, string changed);

    [LoggerMessage(Level = LogLevel.Information, Message = "configuration applied ({Changed} changed); the switch took the rules")]
    private static partial void LogApplied(ILogger logger, string changed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "stopped while applying {Config}: not confirmed, not rolled back; the next start reads it")]
    private static partial void LogStoppedDuringApply(ILogger logger, string config);

    [LoggerMessage(Level = LogLevel.Error, Message = "the new configuration does not run: {Reason}; rolling back")]
    private static partial void LogRollingBack(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogRolledBack(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "event history: {Problem}")]
    private static partial void LogHistoryProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance running with {Config}: waiting for bridge {Bridge}, API on http://{Api}/")]
    private static partial void LogStarted(ILogger logger, string config, string bridge, string api);

    [LoggerMessage(Level = LogLevel.Critical, Message = "a loop of the firmware is dead ({Problems}): the watchdog is no longer told all is well, so systemd restarts the firmware")]
    private static partial void LogLoopDead(ILogger logger, string problems);

    [LoggerMessage(Level = LogLevel.Critical, Message = "a loop of the firmware is dead ({Problems}); without systemd's watchdog nothing restarts it")]
    private static partial void LogLoopDeadUnwatched(ILogger logger, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "appliance stopped; the switch keeps its rules")]
    private static partial void LogStopped(ILogger logger);
}
