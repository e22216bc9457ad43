using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Panel;

/// <summary>
/// The box's front panel (docs/configuration.md, panel): the master, slave and fault LEDs and the button, on GPIO lines
/// of one controller. The firmware hands it each new <see cref="PanelView"/>; it lights the LEDs,
/// blinks them, overlays the "refused" blinks, and reports the button.
/// </summary>
/// <remarks>
/// <para>One timer drives everything that moves (blinking, the refused blinks, the end of the lamp
/// test): it sleeps until the next instant any LED changes, at most a second (a heartbeat for the
/// watchdog: <see cref="SinceActivity"/>). Steady LEDs change in <see cref="Show"/> itself, on the
/// caller's thread, so they are right as soon as the policy decides.</para>
/// <para>Construction opens the lines and starts a lamp test (every LED lit for
/// <see cref="PanelTiming.LampTest"/>); the view shown meanwhile takes over when it ends. Disposal
/// turns every LED off and releases the lines.</para>
/// <para>Thread-safe. <see cref="Changed"/> is raised under the panel's lock, so handlers see the
/// changes in order; they must be quick and must not block (drawing a terminal line is fine), since
/// <see cref="Show"/> waits for them.</para>
/// </remarks>
public sealed partial class FrontPanel : IDisposable
{
    private readonly object _gate = new();
    private readonly GpioController _controller;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LedSequencer _sequencer;
    private readonly ITimer _timer;
    private readonly long _origin;
    private readonly int _masterPin;
    private readonly int _slavePin;
    private readonly int _faultPin;
    private readonly GpioPanelButton _button;
    private PanelLeds _written;
    private long _lastUpdate;
    private bool _refusing;
    private bool _disposed;

    /// <summary>Opens the panel's lines on <paramref name="driver"/> (which the panel then owns) and starts the lamp test.</summary>
    /// <exception cref="PanelStartupException">A line does not exist or cannot be used; the driver is disposed.</exception>
    public FrontPanel(GpioDriver driver, PanelConfig config, TimeProvider time, ILogger<FrontPanel>? logger = null,
        PanelTiming? timing = null, ButtonTiming? buttonTiming = null)
    {
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _sequencer = new LedSequencer(timing ?? PanelTiming.Default);
        _masterPin = config.MasterLed;
        _slavePin = config.SlaveLed;
        _faultPin = config.FaultLed;
        Simulator = driver as SimulatedGpioDriver;
        _controller = new GpioController(driver);
        try
        {
            int? lines = LineCount(_controller);
            OpenLed(_controller, lines, config.MasterLed, "panel.leds.master");
            OpenLed(_controller, lines, config.SlaveLed, "panel.leds.slave");
            OpenLed(_controller, lines, config.FaultLed, "panel.leds.fault");
            _button = OpenButton(_controller, lines, config, time, buttonTiming);
        }
        catch
        {
            _controller.Dispose();
            throw;
        }
        ButtonPin = config.ButtonPin;
        _button.ShortPress += (_, _) => OnButton(PressKind.Short);
        _button.Hold += (_, _) => OnButton(PressKind.Long);
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((FrontPanel)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            _sequencer.StartLampTest(Now);
            Update();
        }
    }

    /// <summary>
    /// The panel <c>panel:</c> configures, on the driver it selects (see <see cref="PanelDrivers"/>);
    /// null for <c>panel.driver: none</c>.
    /// </summary>
    /// <exception cref="PanelStartupException">The chip, a line or the driver is missing; print it and exit 2.</exception>
    public static FrontPanel? Open(PanelConfig config, TimeProvider time, ILoggerFactory loggers, GpioHost? host = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        var choice = PanelDrivers.Create(config, host);
        if (choice is null) return null;
        var panel = new FrontPanel(choice.Driver, config, time, loggers.CreateLogger<FrontPanel>());
        panel.LogOpened(choice.Description, config.MasterLed, config.SlaveLed, config.FaultLed, config.ButtonPin,
            config.ButtonPullUp ? "pull-up, active-low" : "pull-down, active-high");
        return panel;
    }

    /// <summary>The button was pressed briefly (a failback request). Raised on a timer thread.</summary>
    public event EventHandler? ShortPress;

    /// <summary>The button has been held for 3 s, and still is (move service to the next server). Never followed by <see cref="ShortPress"/>.</summary>
    public event EventHandler? Hold;

    /// <summary>The view, the lit LEDs or the refused state changed.</summary>
    public event EventHandler<PanelSnapshot>? Changed;

    /// <summary>The in-memory driver when the panel is simulated: press its button with <c>Simulator.PressButton(ButtonPin)</c>.</summary>
    public SimulatedGpioDriver? Simulator { get; }

    public int ButtonPin { get; }

    public PanelSnapshot Snapshot
    {
        get
        {
            lock (_gate) return new PanelSnapshot(_sequencer.View, _written, _refusing);
        }
    }

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>
    /// How long since the panel last brought its LEDs up to date: its timer does so at least every
    /// <see cref="IdleTick"/>, so a longer silence means the panel is stuck (the watchdog looks).
    /// </summary>
    public TimeSpan SinceActivity => _time.GetElapsedTime(Volatile.Read(ref _lastUpdate));

    /// <summary>The longest the timer sleeps, also while nothing blinks.</summary>
    public static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(1);

    /// <summary>Shows a new view: steady LEDs at once, blinking ones in the panel's rhythm.</summary>
    public void Show(PanelView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        lock (_gate)
        {
            if (_disposed || view == _sequencer.View) return;
            _sequencer.Show(view, Now);
            Update(forceEvent: true);
        }
    }

    /// <summary>Three quick red blinks on the fault LED (a request was refused), then the view again.</summary>
    public void SignalRefused()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _sequencer.SignalRefused(Now);
            Update();
        }
    }

    /// <summary>Acts as if the button was pressed (API, CLI, remote hands): raises <see cref="ShortPress"/> or <see cref="Hold"/>.</summary>
    public void Press(PressKind kind) => OnButton(kind);

    private void OnButton(PressKind kind)
    {
        LogButton(kind == PressKind.Short ? "short press" : "held 3 s");
        (kind == PressKind.Short ? ShortPress : Hold)?.Invoke(this, EventArgs.Empty);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed) return;
            Update();
        }
    }

    /// <summary>Writes the levels due now, tells <see cref="Changed"/>, and sleeps the timer until the next change. Under the lock.</summary>
    private void Update(bool forceEvent = false)
    {
        var now = Now;
        var leds = _sequencer.LevelsAt(now);
        var refusing = _sequencer.IsRefusing(now);
        try
        {
            Write(_masterPin, leds.Master, _written.Master);
            Write(_slavePin, leds.Slave, _written.Slave);
            Write(_faultPin, leds.Fault, _written.Fault);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // A failing LED must not take the firmware down; the next change tries again.
            LogWriteFailed(e.Message);
            leds = _written;
        }
        var changed = leds != _written || refusing != _refusing;
        _written = leds;
        _refusing = refusing;
        if (changed || forceEvent)
        {
            Changed?.Invoke(this, new PanelSnapshot(_sequencer.View, leds, refusing));
        }
        var next = _sequencer.NextChange(now);
        Volatile.Write(ref _lastUpdate, _time.GetTimestamp());
        _timer.Change(next is { } at && at - now < IdleTick ? at - now : IdleTick, Timeout.InfiniteTimeSpan);
    }

    private void Write(int pin, bool level, bool current)
    {
        if (level != current) _controller.Write(pin, level ? PinValue.High : PinValue.Low);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _timer.Dispose();
            try
            {
                _controller.Write(_masterPin, PinValue.Low);
                _controller.Write(_slavePin, PinValue.Low);
                _controller.Write(_faultPin, PinValue.Low);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                LogWriteFailed(e.Message);
            }
            _written = PanelLeds.Dark;
            _refusing = false;
            Changed?.Invoke(this, new PanelSnapshot(_sequencer.View, PanelLeds.Dark, false));
        }
        _button.Dispose();
        _controller.Dispose();
    }

    private static int? LineCount(GpioController controller)
    {
        try
        {
            return controller.PinCount;
        }
        catch (Exception e) when (e is PlatformNotSupportedException or NotSupportedException)
        {
            return null; // sysfs cannot tell; a missing line shows when it is opened
        }
    }

    private static void CheckLine(int? lines, int pin, string key)
    {
        if (lines is { } count && pin >= count)
        {
            throw new PanelStartupException(key, $"GPIO line {pin} does not exist: the chip has lines 0 to {count - 1}");
        }
    }

    private static void OpenLed(GpioController controller, int? lines, int pin, string key)
    {
        CheckLine(lines, pin, key);
        try
        {
            // Opened dark: the lamp test lights them deliberately, a moment later.
            controller.OpenPin(pin, PinMode.Output, PinValue.Low);
        }
        catch (Exception e) when (e is not PanelStartupException)
        {
            throw new PanelStartupException(key, $"cannot use GPIO line {pin} as an output: {e.Message}", e);
        }
    }

    private GpioPanelButton OpenButton(GpioController controller, int? lines, PanelConfig config, TimeProvider time, ButtonTiming? timing)
    {
        const string key = "panel.button.pin";
        CheckLine(lines, config.ButtonPin, key);
        try
        {
            var mode = GpioPanelButton.InputModeFor(controller, config.ButtonPin, config.ButtonPullUp);
            if (mode == PinMode.Input)
            {
                LogNoInternalPull(config.ButtonPin, config.ButtonPullUp ? "pull-up" : "pull-down");
            }
            var button = new GpioPanelButton(controller, config.ButtonPin, mode, activeLow: config.ButtonPullUp, time, timing);
            if (button.EdgeProblem is { } problem)
            {
                LogPolling(config.ButtonPin, problem, GpioPanelButton.PollInterval.TotalMilliseconds);
            }
            return button;
        }
        catch (Exception e) when (e is not PanelStartupException)
        {
            throw new PanelStartupException(key, $"cannot use GPIO line {config.ButtonPin} as an input: {e.Message}", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "front panel on {Driver}: LEDs master {Master}, slave {Slave}, fault {Fault}; button {Button} ({Wiring})")]
    private partial void LogOpened(string driver, int master, int slave, int fault, int button, string wiring);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the GPIO driver cannot set the {Pull} on button line {Pin}: the button needs an external {Pull} resistor (docs/wiring.md)")]
    private partial void LogNoInternalPull(int pin, string pull);

    [LoggerMessage(Level = LogLevel.Information, Message = "button line {Pin} cannot report edges ({Reason}): reading it every {Interval} ms instead")]
    private partial void LogPolling(int pin, string reason, double interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "front-panel button: {What}")]
    private partial void LogButton(string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "writing a front-panel LED failed: {Reason}")]
    private partial void LogWriteFailed(string reason);
}
