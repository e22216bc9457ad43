using Appliance.Config;
using Appliance.Panel;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Fault;

/// <summary>
/// The front panel while the configuration is refused (<c>appliance fault</c>): red alone and
/// steady, on the panel the file names (or the default wiring), drawn on the terminal when
/// simulated; the button only blinks the refusal. A panel that cannot start is logged and left out.
/// </summary>
internal sealed partial class RefusalPanel(TimeProvider time, ILoggerFactory loggers) : IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger("appliance");
    private FrontPanel? _panel;
    private TerminalPanel? _terminal;
    private PanelConfig? _config;

    /// <summary>Shows the refusal on the panel <paramref name="config"/> describes; nothing changes when that one is lit already.</summary>
    public void Show(PanelConfig config)
    {
        if (_panel is not null && config == _config) return;
        Release();
        _config = config;
        try
        {
            _panel = FrontPanel.Open(config, time, loggers);
        }
        catch (PanelStartupException e)
        {
            LogNoPanel(e.Message);
            return;
        }
        if (_panel is not { } panel) return;
        _terminal = panel.Simulator is not null ? TerminalPanel.ForConsole() : null;
        _terminal?.Attach(panel);
        panel.Show(PanelView.ConfigurationRefused);
        // As for any refused request: three quick red blinks.
        panel.ShortPress += (_, _) => panel.SignalRefused();
        panel.Hold += (_, _) => panel.SignalRefused();
    }

    /// <summary>Turns the LEDs off and frees the GPIO lines: <c>run</c> opens them itself.</summary>
    public void Release()
    {
        _terminal?.Dispose();
        _terminal = null;
        _panel?.Dispose();
        _panel = null;
    }

    public void Dispose() => Release();

    [LoggerMessage(Level = LogLevel.Warning, Message = "no front panel while the configuration is refused: {Reason}")]
    private partial void LogNoPanel(string reason);
}
