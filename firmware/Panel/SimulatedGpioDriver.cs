namespace Appliance.Panel;

/// <summary>
/// A GPIO chip that lives in memory, for machines without GPIO (development hosts, VMs, the lab,
/// the demo) and for tests. It behaves like a real driver as the panel sees it: pins must be
/// opened and given a mode, pull-ups set an input's idle level, and an input that changes level
/// raises the registered rising/falling callbacks. From the outside, code drives inputs
/// (<see cref="SetInput"/>, <see cref="PressButton"/>) and reads outputs (<see cref="GetLevel"/>).
/// </summary>
/// <remarks>
/// Callbacks run synchronously on the thread that changed the input (a real driver raises them on
/// its event thread): injected edges are therefore seen in order, which is what tests want.
/// Levels stay readable after the pins are closed or the driver is disposed, so a test can check
/// what the LEDs were left showing.
/// </remarks>
public sealed class SimulatedGpioDriver : GpioDriver
{
    /// <summary>Lines of the simulated chip: BCM 0–27, like the header of a Raspberry Pi.</summary>
    public const int DefaultPinCount = 28;

    private readonly object _gate = new();
    private readonly int _pinCount;
    private readonly PinValue[] _levels;
    private readonly PinValue?[] _driven;
    private readonly PinMode?[] _modes;
    private readonly List<(int Pin, PinEventTypes Types, PinChangeEventHandler Callback)> _callbacks = [];

    private readonly bool _edgeEvents;

    /// <param name="pinCount">Lines on the chip.</param>
    /// <param name="edgeEvents">
    /// False to act like a chip whose lines have no interrupt (a USB adapter such as the MCP2221A):
    /// asking for edge callbacks then fails, as libgpiod does there, and inputs must be polled.
    /// </param>
    public SimulatedGpioDriver(int pinCount = DefaultPinCount, bool edgeEvents = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pinCount);
        _pinCount = pinCount;
        _edgeEvents = edgeEvents;
        _levels = new PinValue[pinCount];
        _driven = new PinValue?[pinCount];
        _modes = new PinMode?[pinCount];
    }

    /// <summary>Raised after an output pin is written with a new level (pin, level); for live views of the simulated board.</summary>
    public event Action<int, PinValue>? OutputChanged;

    protected override int PinCount => _pinCount;

    /// <summary>The level the pin is at now: what an LED on an output shows, or an input's current level.</summary>
    public PinValue GetLevel(int pin)
    {
        CheckRange(pin);
        lock (_gate) return _levels[pin];
    }

    /// <summary>The pin's mode, or null while it is not open.</summary>
    public PinMode? ModeOf(int pin)
    {
        CheckRange(pin);
        lock (_gate) return _modes[pin];
    }

    /// <summary>
    /// Drives an input pin from outside (a closed switch, a jumper), or stops driving it
    /// (<paramref name="level"/> null: an open switch, leaving the pull resistor to set the level).
    /// Raises the pin's callbacks when its level changes, as the hardware would report an edge.
    /// The drive outlasts closing and reopening the pin, like a button held down.
    /// </summary>
    public void SetInput(int pin, PinValue? level)
    {
        CheckRange(pin);
        PinChangeEventHandler[] toCall;
        PinEventTypes edge;
        lock (_gate)
        {
            if (_modes[pin] is not (PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown))
            {
                throw new InvalidOperationException($"pin {pin} is not open as an input");
            }
            _driven[pin] = level;
            var now = InputLevel(pin);
            if (_levels[pin] == now)
            {
                return;
            }
            _levels[pin] = now;
            edge = now == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            toCall = _callbacks.Where(c => c.Pin == pin && (c.Types & edge) != 0).Select(c => c.Callback).ToArray();
        }
        var args = new PinValueChangedEventArgs(edge, pin);
        foreach (var callback in toCall)
        {
            callback(this, args);
        }
    }

    /// <summary>Closes a button wired to the pin: to ground when the pin is pulled up, to 3.3 V otherwise.</summary>
    public void PressButton(int pin) => SetInput(pin, ActiveLevel(pin));

    /// <summary>Opens a button wired to the pin, letting the pull resistor bring it back to idle.</summary>
    public void ReleaseButton(int pin) => SetInput(pin, null);

    private PinValue ActiveLevel(int pin) => ModeOf(pin) == PinMode.InputPullUp ? PinValue.Low : PinValue.High;

    /// <summary>An input's level: what drives it, else its pull; a floating input reads low. Under the lock.</summary>
    private PinValue InputLevel(int pin) => _driven[pin] ?? (_modes[pin] == PinMode.InputPullUp ? PinValue.High : PinValue.Low);

    protected override void OpenPin(int pinNumber)
    {
        CheckRange(pinNumber);
        lock (_gate)
        {
            // A real line opens as an input with its previous level; inputs float low here.
            if (_modes[pinNumber] is null)
            {
                _modes[pinNumber] = PinMode.Input;
                _levels[pinNumber] = InputLevel(pinNumber);
            }
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        CheckRange(pinNumber);
        lock (_gate)
        {
            _modes[pinNumber] = null;
            _callbacks.RemoveAll(c => c.Pin == pinNumber);
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        CheckRange(pinNumber);
        if (!IsPinModeSupported(pinNumber, mode))
        {
            throw new NotSupportedException($"mode {mode} is not supported by the simulated driver");
        }
        lock (_gate)
        {
            CheckOpen(pinNumber);
            _modes[pinNumber] = mode;
            // The pull resistor sets the idle level of an input with nothing driving it.
            if (mode != PinMode.Output) _levels[pinNumber] = InputLevel(pinNumber);
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        CheckRange(pinNumber);
        lock (_gate)
        {
            CheckOpen(pinNumber);
            return _modes[pinNumber]!.Value;
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown or PinMode.Output;

    protected override PinValue Read(int pinNumber)
    {
        CheckRange(pinNumber);
        lock (_gate)
        {
            CheckOpen(pinNumber);
            return _levels[pinNumber];
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        CheckRange(pinNumber);
        bool changed;
        lock (_gate)
        {
            CheckOpen(pinNumber);
            if (_modes[pinNumber] != PinMode.Output)
            {
                throw new InvalidOperationException($"pin {pinNumber} is not an output");
            }
            changed = _levels[pinNumber] != value;
            _levels[pinNumber] = value;
        }
        if (changed)
        {
            OutputChanged?.Invoke(pinNumber, value);
        }
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        CheckRange(pinNumber);
        ArgumentNullException.ThrowIfNull(callback);
        if (!_edgeEvents)
        {
            throw new IOException($"line {pinNumber} cannot report edges: the simulated chip has no interrupts");
        }
        lock (_gate)
        {
            CheckOpen(pinNumber);
            _callbacks.Add((pinNumber, eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            _callbacks.RemoveAll(c => c.Pin == pinNumber && c.Callback == callback);
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        using var seen = new ManualResetEventSlim();
        var type = PinEventTypes.None;
        void OnEdge(object sender, PinValueChangedEventArgs e)
        {
            type = e.ChangeType;
            seen.Set();
        }
        AddCallbackForPinValueChangedEvent(pinNumber, eventTypes, OnEdge);
        try
        {
            seen.Wait(cancellationToken);
            return new WaitForEventResult { EventTypes = type, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
        finally
        {
            RemoveCallbackForPinValueChangedEvent(pinNumber, OnEdge);
        }
    }

    public override GpioChipInfo GetChipInfo() => new(0, "gpiochip-simulated", "simulated", _pinCount);

    private void CheckRange(int pin)
    {
        if ((uint)pin >= (uint)_pinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pin), pin, $"the simulated chip has pins 0 to {_pinCount - 1}");
        }
    }

    private void CheckOpen(int pin)
    {
        if (_modes[pin] is null)
        {
            throw new InvalidOperationException($"pin {pin} is not open");
        }
    }
}
