using System.Net.Sockets;
using Appliance.Api;
using Appliance.Config;
using Appliance.Notify;
using Appliance.Panel;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Cli;

/// <summary>
/// The front panel: opened from <c>panel:</c>, and opened anew only when an apply changes that section (it holds
/// GPIO lines, and its LEDs need not blink for a change elsewhere). Its button presses go to the controller of the moment.
/// </summary>
internal sealed class PanelHolder(TimeProvider time, ILoggerFactory loggers) : IDisposable
{
    private PanelConfig? _config;
    private TerminalPanel? _terminal;

    public FrontPanel? Panel { get; private set; }

    public IApplianceControl? Control { get; set; }

    /// <exception cref="PanelStartupException">The panel's hardware cannot be opened; there is no panel then.</exception>
    public void Open(PanelConfig config)
    {
        if (_config is not null && _config == config) return;
        Close();
        var panel = FrontPanel.Open(config, time, loggers);
        _config = config;
        Panel = panel;
        if (panel is null) return;
        _terminal = panel.Simulator is not null ? TerminalPanel.ForConsole() : null;
        _terminal?.Attach(panel);
        panel.ShortPress += (_, _) => _ = Control?.PressAsync(PressKind.Short, "button");
        panel.Hold += (_, _) => _ = Control?.PressAsync(PressKind.Long, "button");
    }

    private void Close()
    {
        _terminal?.Dispose();
        _terminal = null;
        Panel?.Dispose();
        Panel = null;
        _config = null;
    }

    public void Dispose() => Close();
}

/// <summary>
/// The notifications: started from <c>notify:</c>, and started anew only when an apply changes that section. The
/// API's test and counts reach the notifier of the moment. Messages the old one still held (a mail server that
/// was down) are dropped with it; the event history keeps their events.
/// </summary>
internal sealed class NotifierHolder(EventLog events, ILoggerFactory loggers) : INotifications, IAsyncDisposable
{
    private Notifier? _notifier;
    private NotifyConfig? _config;

    public bool Configured => _notifier?.Configured ?? false;

    /// <summary>Starts the notifier for <paramref name="next"/> unless the running one already has its <c>notify:</c>.</summary>
    public async Task OpenAsync(ApplianceConfig next)
    {
        if (_notifier is not null && _config == next.Notify) return;
        // The new one listens before the old one stops: an event of that instant may be told twice, none is lost.
        var old = _notifier;
        _notifier = Notifier.Start(next, events, loggers);
        _config = next.Notify;
        if (old is not null) await old.DisposeAsync().ConfigureAwait(false);
    }

    public Task<NotifyTestDocument> TestAsync(CancellationToken cancel) =>
        _notifier?.TestAsync(cancel) ?? Task.FromResult(new NotifyTestDocument(false, "notifications are starting", []));

    public IReadOnlyList<(string Channel, string Outcome, long Count)> Counts() => _notifier?.Counts() ?? [];

    public async ValueTask DisposeAsync()
    {
        if (_notifier is { } notifier)
        {
            _notifier = null;
            await notifier.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// The API server: started from <c>api:</c>, and started anew only when an apply changes what it serves on (the
/// address, the token file, the host names, or the management address its Host filter names). Its routes reach the
/// controller of the moment, so an apply that leaves those alone keeps it, and the PUT's answer waits for the outcome.
/// </summary>
internal sealed partial class ApiHolder(IApplianceControl control, IConfigControl config, INotifications notifications, Func<IReadOnlyList<(string Reason, long Count)>> refusals,
    UpdateService updates, ILoggerFactory loggers, ILogger logger) : IAsyncDisposable
{
    private ApiServer? _server;
    private ApplianceConfig? _for;

    /// <summary>Serves the API for <paramref name="next"/> unless it already does; null when it serves, else why not.</summary>
    public async Task<string?> StartAsync(ApplianceConfig next, CancellationToken stop)
    {
        if (_server is not null && _for is not null && !ConfigApplier.ApiMoves(_for, next)) return null;
        await DisposeAsync().ConfigureAwait(false);
        var token = ApiToken.LoadOrCreate(next.Api.TokenFile, out var tokenCreated);
        if (tokenCreated) LogTokenCreated(logger, next.Api.TokenFile);
        // Without a usable token POSTs are open to nobody: say so, keep serving GETs.
        if (token.Refusal is { } refusal) LogTokenRefused(logger, refusal);
        var server = ApiServer.Create(next.Api.Listen, control, token, HostFilter.For(next), loggers, refusals, config, notifications, updates);
        try
        {
            await server.StartAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // Kestrel reports an address in use as IOException, one the machine does not have as SocketException.
            await server.DisposeAsync().ConfigureAwait(false);
            return $"cannot serve the API on {next.Api.Listen} (api.listen): {e.Message}";
        }
        _server = server;
        _for = next;
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            _for = null;
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}; every POST is refused until it is fixed and the firmware restarted")]
    private static partial void LogTokenRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no API token was found; made one in {Path}")]
    private static partial void LogTokenCreated(ILogger logger, string path);
}
