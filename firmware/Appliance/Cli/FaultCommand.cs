using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Appliance.Api;
using Appliance.Config;
using Appliance.Fault;
using Appliance.Hosting;
using Appliance.Panel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Cli;

/// <summary>
/// <c>appliance fault</c>: the box while <c>appliance run</c> refuses its configuration (exit 2);
/// appliance.service's OnFailure= starts it as appliance-fault.service. It touches neither the
/// switch nor the file. It lights the fault LED and serves the reasons on the status page and
/// <c>/api/status</c>, with the same front panel and API as <c>run</c>, and refuses every request.
/// It ends with code 4 once <c>run</c> would start (the unit then starts the firmware), and with 0
/// on SIGTERM (then nothing starts it: a stop or a shutdown stays one). docs/cli.md.
/// </summary>
internal static partial class FaultCommand
{
    /// <summary>How often the file is looked at: an edit shows on the page, or ends the fault mode, within this.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>The panel when its part of the file does not read: the wiring of docs/wiring.md.</summary>
    private static readonly PanelConfig DefaultPanel = new(ConfigDefaults.Driver, ConfigDefaults.Chip,
        ConfigDefaults.MasterLed, ConfigDefaults.SlaveLed, ConfigDefaults.FaultLed, ConfigDefaults.ButtonPin, ConfigDefaults.ButtonPullUp);

    public static async Task<int> RunAsync(string path)
    {
        using var loggers = FirmwareLogging.Create();
        var logger = loggers.CreateLogger("appliance");
        using var systemd = new SystemdNotifier();
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var time = TimeProvider.System;
        using var panel = new RefusalPanel(time, loggers);

        var seen = FileStamp.Of(path);
        if (Refusal(path, time, panel.Release) is not { } refusal)
        {
            // Ready first: under Type=notify an exit before READY=1 would count as a failed start.
            systemd.Ready("configuration valid: handing over to the firmware");
            LogValid(logger, path);
            return Program.Exit.ValidAgain;
        }
        // The refusal joins the event history that the firmware keeps (events.jsonl), so that it is
        // still there once the firmware runs again.
        await using var journal = EventJournal.InStateDirectory(loggers.CreateLogger<EventJournal>());
        if (journal.Problem is { } historyProblem) LogHistoryProblem(logger, historyProblem);
        var control = new RefusedConfiguration(path, time, new EventLog(journal));
        control.Refuse(refusal.Errors);
        panel.Show(refusal.Parts.Panel ?? DefaultPanel);
        var (api, at) = await ServeAsync(RefusalEndpoints.For(refusal.Parts, RefusalEndpoints.AddressesOf), refusal.Parts, control, ReadToken(refusal.Parts), loggers, logger, stop.Token).ConfigureAwait(false);
        await using var apiLifetime = api;
        var page = at is null ? "no status page" : $"status page on http://{(at.Port == 80 ? at.Address : at)}/";
        LogRefused(logger, path, page, refusal.Errors);
        systemd.Ready($"configuration refused ({Count(refusal.Errors)} in {path}); {page}");

        while (await Next(time, stop.Token).ConfigureAwait(false))
        {
            var stamp = FileStamp.Of(path);
            if (stamp == seen) continue;
            seen = stamp;
            if (Refusal(path, time, panel.Release) is not { } now)
            {
                LogValid(logger, path);
                return Program.Exit.ValidAgain;
            }
            panel.Show(now.Parts.Panel ?? DefaultPanel);
            if (now.Errors.SequenceEqual(control.Status.RefusedConfiguration)) continue;
            control.Refuse(now.Errors);
            LogRefused(logger, path, page, now.Errors);
            systemd.Status($"configuration refused ({Count(now.Errors)} in {path}); {page}");
        }
        systemd.Stopping();
        LogStopped(logger);
        return Program.Exit.Ok;

        void Stop(PosixSignalContext context)
        {
            // The default action would end the process before the panel is dark and the port closed.
            context.Cancel = true;
            stop.Cancel();
        }
    }

    /// <summary>
    /// What <c>run</c> would refuse in the file now, with the parts of it still usable; null when it
    /// would start. <paramref name="releasePanel"/> frees the lines before the file's panel is tried.
    /// </summary>
    private static Refused? Refusal(string path, TimeProvider time, Action releasePanel)
    {
        if (!ConfigLoader.TryLoad(path, out var config, out var errors, out var parts)) return new Refused(errors, parts);
        // run also exits 2 when the panel it names cannot start. Try it as run does, or the two
        // would hand over to each other every second for a file that is valid and still cannot run.
        releasePanel();
        try
        {
            using var probe = FrontPanel.Open(config.Panel, time, NullLoggerFactory.Instance);
            return null;
        }
        catch (PanelStartupException e)
        {
            return new Refused([e.ToConfigError(config.SourcePath)], parts);
        }
    }

    /// <summary>The API on the first of <paramref name="endpoints"/> it can listen on; none when it can listen on none of them.</summary>
    private static async Task<(ApiServer? Server, IPEndPoint? At)> ServeAsync(IReadOnlyList<IPEndPoint> endpoints, ConfigParts parts, RefusedConfiguration control,
        ApiToken token, ILoggerFactory loggers, ILogger logger, CancellationToken stop)
    {
        foreach (var endpoint in endpoints)
        {
            // The same Host rule as the firmware's API: the address served on, the management address, api.hostnames.
            IPAddress[] addresses = parts.Bridge is { } bridge ? [endpoint.Address, bridge.ManagementAddress] : [endpoint.Address];
            var api = ApiServer.Create(endpoint, control, token, new HostFilter(addresses, parts.Api?.Hostnames ?? []), loggers);
            try
            {
                await api.StartAsync(stop).ConfigureAwait(false);
                return (api, endpoint);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // Kestrel reports an address in use as IOException, one the machine does not have as SocketException.
                LogCannotServe(logger, endpoint.ToString(), e.Message);
                await api.DisposeAsync().ConfigureAwait(false);
            }
        }
        LogNowhereToServe(logger, endpoints.Count == 0 ? "no address known" : string.Join(", ", endpoints));
        return (null, null);
    }

    /// <summary>
    /// The token the file names, read and never made: with it a request gets the refusal's reason
    /// (409) rather than only 401. Without a readable one, every POST is refused as unauthorised.
    /// </summary>
    private static ApiToken ReadToken(ConfigParts parts)
    {
        var file = parts.Api?.TokenFile ?? ConfigDefaults.TokenFile;
        try
        {
            return ApiToken.Read(file, out var problem) is null
                ? ApiToken.Unusable($"the API token in {file} cannot be used: {problem}")
                : ApiToken.LoadOrCreate(file, out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ApiToken.Unusable($"the API token in {file} cannot be used: {e.Message}");
        }
    }

    private static async Task<bool> Next(TimeProvider time, CancellationToken stop)
    {
        try
        {
            await Task.Delay(Poll, time, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Count(IReadOnlyList<ConfigError> errors) => errors.Count == 1 ? "1 error" : $"{errors.Count} errors";

    private static void LogRefused(ILogger logger, string path, string page, IReadOnlyList<ConfigError> errors)
    {
        LogRefusedFile(logger, path, page);
        foreach (var error in errors) LogError(logger, error.ToString());
    }

    private sealed record Refused(IReadOnlyList<ConfigError> Errors, ConfigParts Parts);

    /// <summary>Whether the file may have changed since last looked at: an editor's save or a rename changes one of these.</summary>
    private readonly record struct FileStamp(bool Exists, long Length, DateTime Written)
    {
        public static FileStamp Of(string path)
        {
            var file = new FileInfo(path);
            return file.Exists ? new FileStamp(true, file.Length, file.LastWriteTimeUtc) : default;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "configuration refused: the firmware does not run until {Path} is valid; {Page}")]
    private static partial void LogRefusedFile(ILogger logger, string path, string page);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Error}")]
    private static partial void LogError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "event history: {Problem}")]
    private static partial void LogHistoryProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Path} is valid: the fault mode ends (exit 4) and systemd starts the firmware")]
    private static partial void LogValid(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot serve the refusal on {Endpoint}: {Reason}")]
    private static partial void LogCannotServe(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot serve the refusal anywhere ({Tried}): only the fault LED and the journal show it")]
    private static partial void LogNowhereToServe(ILogger logger, string tried);

    [LoggerMessage(Level = LogLevel.Information, Message = "fault mode stopped; the firmware is not started")]
    private static partial void LogStopped(ILogger logger);
}
