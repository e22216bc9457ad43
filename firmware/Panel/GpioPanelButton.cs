namespace Appliance.Panel;

/// <summary>
/// The front-panel button on a GPIO line: opens the line as an input and turns its level changes
/// into <see cref="DebouncedButton.OnEdge"/> calls. With a pull-up the button closes to ground, so
/// the line is active-low; without, it closes to 3.3 V against a pull-down.
/// </summary>
/// <remarks>
/// <para>Edges come from the driver's edge events where the line has an interrupt (SoC GPIO on a
/// Raspberry Pi, sysfs). Lines without one, such as those of a USB adapter like the MCP2221A,
/// cannot report edges (libgpiod refuses the request), so there the line is read every
/// <see cref="PollInterval"/> by one timer instead: well inside the debounce time, and a read is
/// one ioctl (or one USB transfer).</para>
/// <para>The controller belongs to the caller, which closes the line when it disposes it.</para>
/// </remarks>
public sealed class GpioPanelButton : DebouncedButton
{
    /// <summary>How often a line without edge events is read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly PinValue _activeLevel;
    private readonly PinChangeEventHandler _onChange;
    private readonly ITimer? _poll;
    private int _polling;
    private bool _lastPolled;

    /// <param name="mode">The input mode to open the line in (see <see cref="InputModeFor"/>).</param>
    /// <param name="activeLow">True when the button pulls the line to ground (pull-up wiring).</param>
    public GpioPanelButton(GpioController controller, int pin, PinMode mode, bool activeLow, TimeProvider time, ButtonTiming? timing = null)
        : base(time, timing)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _pin = pin;
        _activeLevel = activeLow ? PinValue.Low : PinValue.High;
        _onChange = OnPinChanged;
        try
        {
            controller.OpenPin(pin, mode);
            try
            {
                controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, _onChange);
            }
            catch (Exception e) when (e is IOException or NotSupportedException or InvalidOperationException)
            {
                EdgeProblem = e.Message;
                // libgpiod gave up the input request while trying for events: take the line again.
                controller.ClosePin(pin);
                controller.OpenPin(pin, mode);
            }
            _lastPolled = ReadPressed();
        }
        catch
        {
            base.Dispose(true);
            throw;
        }
        if (EdgeProblem is not null)
        {
            _poll = time.CreateTimer(static s => ((GpioPanelButton)s!).Poll(), this, PollInterval, PollInterval);
        }
        // Held down since before we started: counted once it is seen steady, like any press.
        if (_lastPolled) OnEdge(true);
    }

    /// <summary>Why the line is polled (the driver could not deliver its edges), or null when edges are used.</summary>
    public string? EdgeProblem { get; }

    /// <summary>
    /// The mode for the configured pull: the internal pull-up or pull-down when the driver can set it,
    /// else a plain input (sysfs cannot), which then needs an external resistor.
    /// </summary>
    public static PinMode InputModeFor(GpioController controller, int pin, bool pullUp)
    {
        ArgumentNullException.ThrowIfNull(controller);
        var wanted = pullUp ? PinMode.InputPullUp : PinMode.InputPullDown;
        return controller.IsPinModeSupported(pin, wanted) ? wanted : PinMode.Input;
    }

    private bool ReadPressed() => _controller.Read(_pin) == _activeLevel;

    private void OnPinChanged(object sender, PinValueChangedEventArgs e) =>
        OnEdge(e.ChangeType == (_activeLevel == PinValue.Low ? PinEventTypes.Falling : PinEventTypes.Rising));

    private void Poll()
    {
        // A slow read (a busy USB adapter) must not let the next tick overlap it.
        if (Interlocked.Exchange(ref _polling, 1) == 1) return;
        try
        {
            var pressed = SamplePressed();
            if (pressed is { } now && now != _lastPolled)
            {
                _lastPolled = now;
                OnEdge(now);
            }
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }

    protected override bool? SamplePressed()
    {
        try
        {
            return ReadPressed();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException)
        {
            return null; // shutting down, or the line went away: trust the edges
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _poll?.Dispose();
            if (EdgeProblem is null)
            {
                try
                {
                    _controller.UnregisterCallbackForPinValueChangedEvent(_pin, _onChange);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or ObjectDisposedException)
                {
                    // Already closed with the controller: nothing left to unregister.
                }
            }
        }
        base.Dispose(disposing);
    }
}
