using System.Text;

namespace Appliance.Panel;

/// <summary>
/// Draws the front panel on one terminal line, for the demo and for boxes without LEDs:
/// <c>[● MASTER] [○ SLAVE] [○ FAULT]</c> with the LEDs' colours (green, amber, red), dim when off,
/// and a blinking LED drawn as it is at that instant.
/// </summary>
/// <remarks>
/// On a terminal the line is redrawn in place (carriage return, then erase to end of line), so
/// repeated updates never scroll. Anywhere else (a pipe, a log file, the journal) it writes plain
/// lines, one per change of the view rather than per blink, so logs stay readable.
/// </remarks>
public sealed class TerminalPanel : IDisposable
{
    private const string Reset = "\e[0m";
    private const string Dim = "\e[2m";
    private const string Green = "\e[1;32m";
    private const string Amber = "\e[1;33m";
    private const string Red = "\e[1;31m";

    private readonly object _gate = new();
    private readonly TextWriter _writer;
    private readonly bool _ansi;
    private FrontPanel? _panel;
    private PanelSnapshot? _last;
    private bool _drewLine;

    /// <param name="ansi">True to draw in place with colours (a terminal); false for plain lines.</param>
    public TerminalPanel(TextWriter writer, bool ansi)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _ansi = ansi;
    }

    /// <summary>A panel on standard output: drawn in place when it is a terminal (and NO_COLOR and TERM=dumb do not say otherwise), plain lines when redirected.</summary>
    public static TerminalPanel ForConsole() => new(Console.Out, IsInteractive());

    private static bool IsInteractive() =>
        !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term && term != "dumb";

    /// <summary>Follows <paramref name="panel"/>: draws it now and on every change, until disposed.</summary>
    public void Attach(FrontPanel panel)
    {
        ArgumentNullException.ThrowIfNull(panel);
        lock (_gate)
        {
            if (_panel is not null) throw new InvalidOperationException("already following a panel");
            _panel = panel;
        }
        panel.Changed += OnChanged;
        Render(panel.Snapshot);
    }

    private void OnChanged(object? sender, PanelSnapshot snapshot) => Render(snapshot);

    /// <summary>Draws one state of the panel.</summary>
    public void Render(PanelSnapshot snapshot)
    {
        lock (_gate)
        {
            if (!_ansi && _last is { } last && last.View == snapshot.View && last.Refusing == snapshot.Refusing)
            {
                return; // only the blink phase moved
            }
            _last = snapshot;
            try
            {
                if (_ansi)
                {
                    _writer.Write('\r');
                    _writer.Write(Format(snapshot.Leds, ansi: true));
                    _writer.Write("\e[K");
                    _drewLine = true;
                }
                else
                {
                    _writer.WriteLine(Describe(snapshot));
                }
                _writer.Flush();
            }
            catch (IOException)
            {
                // The terminal went away (closed pipe, hung-up tty): the panel itself carries on.
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>The instant's line, e.g. <c>[● MASTER] [○ SLAVE] [○ FAULT]</c>, with colour codes when <paramref name="ansi"/>.</summary>
    public static string Format(PanelLeds leds, bool ansi)
    {
        var sb = new StringBuilder(80);
        Lamp(sb, "MASTER", leds.Master, Green, ansi);
        sb.Append(' ');
        Lamp(sb, "SLAVE", leds.Slave, Amber, ansi);
        sb.Append(' ');
        Lamp(sb, "FAULT", leds.Fault, Red, ansi);
        return sb.ToString();
    }

    /// <summary>The view in words, for logs: <c>panel: master on, slave off, fault blinking</c>.</summary>
    public static string Describe(PanelSnapshot snapshot)
    {
        var view = snapshot.View;
        var text = $"panel: master {Word(view.Master)}, slave {Word(view.Slave)}, fault {Word(view.Fault)}";
        return snapshot.Refusing ? text + " (refused: 3 quick red blinks)" : text;
    }

    private static string Word(LedPattern pattern) => pattern switch
    {
        LedPattern.On => "on",
        LedPattern.Blink => "blinking",
        _ => "off",
    };

    private static void Lamp(StringBuilder sb, string name, bool lit, string colour, bool ansi)
    {
        if (!ansi)
        {
            sb.Append('[').Append(lit ? '●' : '○').Append(' ').Append(name).Append(']');
            return;
        }
        sb.Append('[').Append(lit ? colour : Dim).Append(lit ? '●' : '○').Append(' ').Append(name).Append(Reset).Append(']');
    }

    /// <summary>Stops following the panel and leaves the cursor on a fresh line.</summary>
    public void Dispose()
    {
        FrontPanel? panel;
        lock (_gate)
        {
            panel = _panel;
            _panel = null;
        }
        if (panel is not null) panel.Changed -= OnChanged;
        lock (_gate)
        {
            if (!_drewLine) return;
            _drewLine = false;
            try
            {
                _writer.WriteLine();
                _writer.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }
        }
    }
}
