using System.Collections.Immutable;

namespace Appliance.Controller.Tests;

/// <summary>A batch as the switch received it, on which channel.</summary>
internal sealed record ReceivedBatch(long Channel, IReadOnlyList<IOfpMessage> Messages);

/// <summary>
/// An Open vSwitch bridge in memory: its tables (<see cref="OvsTables"/>), its ports, and one
/// OpenFlow channel at a time. The tables outlive channels, as a bridge's do when its controller
/// reconnects. It records every batch and read it receives, can be told to refuse messages, and
/// can stall: hold every request unanswered until <see cref="Resume"/>, or until a channel gives
/// up waiting after <see cref="RequestTimeout"/> and closes, as <see cref="SwitchSession"/> does.
/// </summary>
internal sealed class FakeSwitch
{
    private readonly Lock _lock = new();
    private readonly OvsTables _tables = new();
    private readonly List<ReceivedBatch> _batches = [];
    private readonly List<(long Channel, OfpMultipartType Type)> _reads = [];
    private readonly List<(Func<IOfpMessage, bool> Which, OfpErrorCode Code)> _refusals = [];
    private readonly List<Held> _held = [];
    private ImmutableSortedDictionary<uint, OfpPortDesc> _ports;
    private TaskCompletionSource _requestHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stalled;
    private int _unreadable;
    private long _lastChannelId;

    /// <param name="ports">The bridge's OpenFlow ports, live, named p1, p2, …</param>
    public FakeSwitch(TimeProvider time, params uint[] ports)
    {
        Time = time;
        _ports = ports.ToImmutableSortedDictionary(p => p, p => Port(p, live: true));
    }

    public TimeProvider Time { get; }

    public FeaturesReply Features { get; init; } = new(0x0000_5e00_5300_0001, 0, 254, 0, OfpCapabilities.FlowStats | OfpCapabilities.GroupStats);

    /// <summary>How long a channel waits for an answer before it closes: <see cref="SwitchSessionOptions.RequestTimeout"/>.</summary>
    public TimeSpan RequestTimeout { get; set; } = new SwitchSessionOptions().RequestTimeout;

    public IReadOnlyDictionary<uint, OfpPortDesc> Ports => _ports;

    /// <summary>The channel last connected; it may have closed since.</summary>
    public FakeSwitchChannel? Channel { get; private set; }

    public IReadOnlyList<FlowStats> Flows
    {
        get { lock (_lock) return _tables.Flows; }
    }

    public IReadOnlyList<GroupDesc> Groups
    {
        get { lock (_lock) return _tables.Groups; }
    }

    public IReadOnlyList<MeterConfig> Meters
    {
        get { lock (_lock) return _tables.Meters; }
    }

    /// <summary>Every batch received, in order, whether or not it was answered.</summary>
    public IReadOnlyList<ReceivedBatch> Batches
    {
        get { lock (_lock) return [.. _batches]; }
    }

    /// <summary>Every MULTIPART read received, in order.</summary>
    public IReadOnlyList<(long Channel, OfpMultipartType Type)> Reads
    {
        get { lock (_lock) return [.. _reads]; }
    }

    /// <summary>Completes when a request arrives while the switch is stalled and its channel waits for the answer.</summary>
    public Task RequestHeld
    {
        get { lock (_lock) return _requestHeld.Task; }
    }

    /// <summary>
    /// A new connection from this bridge: a controller restart, or the bridge reconnecting. Like
    /// the listener, it replaces the previous channel, which closes first.
    /// </summary>
    public FakeSwitchChannel Connect(ISwitchHandler handler)
    {
        Channel?.Close("replaced by a new connection from the same switch");
        var channel = new FakeSwitchChannel(this, handler, Interlocked.Increment(ref _lastChannelId));
        Channel = channel;
        handler.OnConnected(channel);
        return channel;
    }

    /// <summary>A port's link went up or down: the port changes, then the open channel sends PORT_STATUS.</summary>
    public void SetLink(uint port, bool up)
    {
        var desc = Port(port, up);
        ImmutableInterlocked.Update(ref _ports, ports => ports.SetItem(port, desc));
        if (Channel is { IsClosed: false } channel) channel.Handler.OnPortStatus(channel, new PortStatus(OfpPortReason.Modify, desc));
    }

    /// <summary>Answers the messages <paramref name="which"/> picks with <paramref name="code"/>, without applying them.</summary>
    public void Refuse(Func<IOfpMessage, bool> which, OfpErrorCode code)
    {
        lock (_lock) _refusals.Add((which, code));
    }

    public void StopRefusing()
    {
        lock (_lock) _refusals.Clear();
    }

    /// <summary>The next <paramref name="reads"/> FLOW reads fail, as a reply with a rule the codec does not know fails to decode.</summary>
    public void FailFlowReads(int reads)
    {
        lock (_lock) _unreadable = reads;
    }

    /// <summary>Puts a rule in the tables as someone else (ovs-ofctl add-flow) would.</summary>
    public void AddForeignFlow(FlowMod flow)
    {
        lock (_lock) _tables.Apply(OfpCodec.Encode(flow, 1));
    }

    /// <summary>From now on, requests wait unanswered (and unapplied) until <see cref="Resume"/>.</summary>
    public void Stall()
    {
        lock (_lock)
        {
            _stalled = true;
            if (_requestHeld.Task.IsCompleted) _requestHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Processes the held requests in the order they came, answers them, and answers at once again.</summary>
    public void Resume()
    {
        Held[] held;
        lock (_lock)
        {
            _stalled = false;
            held = [.. _held];
            _held.Clear();
        }
        foreach (var request in held) request.Run();
    }

    /// <summary>Packets hit the flows <paramref name="which"/> picks: their counters grow, as OVS's do.</summary>
    public void CountPackets(Func<FlowStats, bool> which, ulong packets)
    {
        lock (_lock) _tables.CountPackets(which, packets);
    }

    /// <summary>The bridge forgets every flow, group and meter, as ovs-vswitchd restarted without restoring them.</summary>
    public void LoseTables()
    {
        lock (_lock) _tables.Clear();
    }

    /// <summary>Runs the request now, or holds it while stalled; the task is its answer.</summary>
    internal Task<T> Process<T>(FakeSwitchChannel channel, Func<T> request)
    {
        lock (_lock)
        {
            if (!_stalled) return Run(request);
            var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _held.Add(new Held(channel, () =>
            {
                Task<T> run;
                lock (_lock) run = Run(request);
                if (run.IsCompletedSuccessfully) answer.TrySetResult(run.Result);
                else answer.TrySetException(run.Exception!.InnerExceptions);
            }, e => answer.TrySetException(e)));
            return answer.Task;
        }
    }

    /// <summary>A request's answer, or the failure it ends in.</summary>
    private static Task<T> Run<T>(Func<T> request)
    {
        try
        {
            return Task.FromResult(request());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    internal void OnRequestHeld()
    {
        lock (_lock) _requestHeld.TrySetResult();
    }

    /// <summary>The channel closed: what it still waits for fails, as a closed session's requests do.</summary>
    internal void Drop(FakeSwitchChannel channel, Exception reason)
    {
        Held[] dropped;
        lock (_lock)
        {
            dropped = [.. _held.Where(h => h.Channel == channel)];
            _held.RemoveAll(h => h.Channel == channel);
        }
        foreach (var request in dropped) request.Fail(reason);
    }

    internal void Receive(FakeSwitchChannel channel, IReadOnlyList<IOfpMessage> messages)
    {
        lock (_lock) _batches.Add(new ReceivedBatch(channel.Id, [.. messages]));
    }

    internal void Receive(FakeSwitchChannel channel, OfpMultipartType read)
    {
        lock (_lock) _reads.Add((channel.Id, read));
    }

    /// <summary>Applies a batch in order, each message on its own; the barrier reply lists the refused ones. Called under the lock.</summary>
    internal BatchResult ApplyLocked(IReadOnlyList<IOfpMessage> messages, long receivedAt)
    {
        var errors = new List<BatchError>();
        for (var i = 0; i < messages.Count; i++)
        {
            var wire = OfpCodec.Encode(messages[i], (uint)i + 1);
            var refusal = _refusals.FirstOrDefault(r => r.Which(messages[i]));
            var error = refusal.Which is not null ? refusal.Code : _tables.Apply(wire);
            if (error is { } code) errors.Add(new BatchError(i, messages[i], code, wire));
        }
        return new BatchResult(messages.Count, errors, Time.GetElapsedTime(receivedAt));
    }

    /// <summary>Answers a FLOW read from the tables, through the codec as the reply travels. Called under the lock.</summary>
    internal ValueList<FlowStats> ReadFlowsLocked(FlowStatsRequest request)
    {
        if (_unreadable > 0)
        {
            _unreadable--;
            throw new InvalidDataException("OFPMP_FLOW reply does not decode: unknown action type 0xffff");
        }
        return OverTheWire(FlowStatsReply.FromEntries(_tables.Read(request.Selector))).Entries;
    }

    internal ValueList<GroupDesc> ReadGroupsLocked() => OverTheWire(GroupDescReply.FromEntries([.. _tables.Groups])).Entries;

    internal ValueList<MeterConfig> ReadMetersLocked() => OverTheWire(MeterConfigReply.FromEntries([.. _tables.Meters])).Entries;

    private static T OverTheWire<T>(T reply)
        where T : struct, IOfpMessage<T>
    {
        if (!OfpCodec.TryDecode<T>(OfpCodec.Encode(reply, 1), out var decoded, out var error)) throw new InvalidDataException($"{T.MessageType} does not decode: {error}");
        return decoded;
    }

    public static OfpPortDesc Port(uint number, bool live) => new(
        number, new MacAddress(0x0200_0000_0000UL | number), new OfpPortName($"p{number}"), OfpPortConfig.None,
        live ? OfpPortState.Live : OfpPortState.LinkDown, OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, OfpPortFeatures.None, 0, 0);

    private sealed record Held(FakeSwitchChannel Channel, Action Run, Action<Exception> Fail);
}
