namespace Appliance.Panel;

/// <summary>
/// The front-panel button's logic without hardware, in the spirit of dotnet/iot's
/// <c>ButtonBase</c>: raw edges and a clock in, <see cref="ShortPress"/> and <see cref="Hold"/>
/// out. <see cref="GpioPanelButton"/> feeds it from a GPIO line; tests feed it directly.
/// </summary>
/// <remarks>
/// <para>Why not Iot.Device.Bindings' <c>GpioButton</c> (checked against 4.2.0): it raises
/// <c>Press</c> on every release, also after a hold, and the panel's contract (docs/configuration.md, the button) forbids a hold from also counting
/// as a failback request. Its debounce only ignores edges for a while after a release, so a contact
/// bouncing as it closes raises <c>Press</c> at the first bounce and cancels the hold timer: a
/// bouncy 3 s hold comes out as a short press, the opposite of what the operator asked. It reads
/// <c>DateTime.UtcNow</c> and starts <c>System.Threading.Timer</c>s, so it cannot run on a fake
/// clock. And the package brings every dotnet/iot device binding (UnitsNet, System.Drawing.Common,
/// System.IO.Ports) into the firmware for one class.</para>
/// <para>Debounce here is "settle": every edge restarts a <see cref="ButtonTiming.Debounce"/> wait,
/// and only a level that then stays put counts. A burst of bounces is one change, and a spike of
/// interference on a long button wire is none.</para>
/// <para>A short press is reported on release. The hold is reported the moment
/// <see cref="ButtonTiming.Hold"/> has passed with the button still down, so the operator sees
/// the panel react without letting go; its release then reports nothing.</para>
/// <para>Events are raised on a timer thread (never under the button's lock); handlers should
/// hand work off rather than block.</para>
/// </remarks>
public class DebouncedButton : IDisposable
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ButtonTiming _timing;
    private readonly long _origin;
    private readonly ITimer _settleTimer;
    private readonly ITimer _holdTimer;
    private bool _raw;
    private bool _pressed;
    private bool _holdRaised;
    private TimeSpan _settleAt;
    private TimeSpan _holdAt;
    private bool _disposed;

    public DebouncedButton(TimeProvider time, ButtonTiming? timing = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _timing = timing ?? ButtonTiming.Default;
        if (_timing.Debounce <= TimeSpan.Zero || _timing.Hold <= _timing.Debounce)
        {
            throw new ArgumentException("the debounce time must be positive and shorter than the hold time", nameof(timing));
        }
        _origin = time.GetTimestamp();
        _settleTimer = time.CreateTimer(static s => ((DebouncedButton)s!).OnSettleTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _holdTimer = time.CreateTimer(static s => ((DebouncedButton)s!).OnHoldTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Pressed and released before the hold time.</summary>
    public event EventHandler? ShortPress;

    /// <summary>Held for the hold time; raised while still held.</summary>
    public event EventHandler? Hold;

    /// <summary>The debounced state: true while the button is (steadily) down.</summary>
    public bool IsPressed
    {
        get { lock (_gate) return _pressed; }
    }

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Reports a raw edge: the contact is now closed (<paramref name="pressed"/>) or open.</summary>
    public void OnEdge(bool pressed)
    {
        lock (_gate)
        {
            if (_disposed) return;
            _raw = pressed;
            _settleAt = Now + _timing.Debounce;
            _settleTimer.Change(_timing.Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// The contact's level read from the hardware once edges have stopped (true = pressed), or null
    /// to trust the last edge. Reading it guards against an edge the driver lost in a burst.
    /// </summary>
    protected virtual bool? SamplePressed() => null;

    private void OnSettleTimer()
    {
        EventHandler? raise = null;
        lock (_gate)
        {
            if (_disposed) return;
            var now = Now;
            if (now < _settleAt)
            {
                // An edge came after this callback was queued, or the timer ran a hair early: wait on.
                _settleTimer.Change(_settleAt - now, Timeout.InfiniteTimeSpan);
                return;
            }
            var level = SamplePressed() ?? _raw;
            if (level == _pressed) return;
            _pressed = level;
            if (level)
            {
                // Counted from when the level settled, not from when this callback got to run.
                _holdRaised = false;
                _holdAt = _settleAt + _timing.Hold;
                _holdTimer.Change(Max(_holdAt - now, TimeSpan.FromMilliseconds(1)), Timeout.InfiniteTimeSpan);
            }
            else
            {
                _holdTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                if (!_holdRaised) raise = ShortPress;
            }
        }
        raise?.Invoke(this, EventArgs.Empty);
    }

    private void OnHoldTimer()
    {
        lock (_gate)
        {
            if (_disposed || !_pressed || _holdRaised) return;
            var now = Now;
            if (now < _holdAt)
            {
                _holdTimer.Change(_holdAt - now, Timeout.InfiniteTimeSpan);
                return;
            }
            _holdRaised = true;
        }
        Hold?.Invoke(this, EventArgs.Empty);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _settleTimer.Dispose();
        _holdTimer.Dispose();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
