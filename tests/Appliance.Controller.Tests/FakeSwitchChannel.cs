namespace Appliance.Controller.Tests;

/// <summary>
/// One connection with a <see cref="FakeSwitch"/>, behaving as <see cref="SwitchSession"/> does
/// towards its handler: requests on a closed channel throw <see cref="SwitchDisconnectedException"/>;
/// a request left unanswered for the switch's request timeout closes the channel (the handler
/// hears of it first) and then throws; closing fails whatever still waits.
/// </summary>
internal sealed class FakeSwitchChannel(FakeSwitch owner, ISwitchHandler handler, long id) : ISwitchChannel
{
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _closedReason;

    public long Id { get; } = id;

    public ulong DatapathId => owner.Features.DatapathId;

    public string DatapathIdText => owner.Features.DatapathIdText;

    public IReadOnlyDictionary<uint, OfpPortDesc> Ports => owner.Ports;

    public bool IsClosed => Volatile.Read(ref _closedReason) is not null;

    /// <summary>Completes with the reason once the channel closed and its handler was told.</summary>
    public Task<string> Closed => _closed.Task;

    internal ISwitchHandler Handler => handler;

    public Task<BatchResult> ApplyAsync(IReadOnlyList<IOfpMessage> messages, CancellationToken cancellation = default)
    {
        if (IsClosed) return Task.FromException<BatchResult>(Disconnected());
        owner.Receive(this, messages);
        var receivedAt = owner.Time.GetTimestamp();
        return Answer(() => owner.ApplyLocked(messages, receivedAt), cancellation);
    }

    public Task<ValueList<FlowStats>> ReadFlowStatsAsync(FlowStatsRequest request, CancellationToken cancellation = default)
    {
        if (IsClosed) return Task.FromException<ValueList<FlowStats>>(Disconnected());
        owner.Receive(this, OfpMultipartType.Flow);
        return Answer(() => owner.ReadFlowsLocked(request), cancellation);
    }

    public Task<ValueList<GroupDesc>> ReadGroupDescAsync(CancellationToken cancellation = default)
    {
        if (IsClosed) return Task.FromException<ValueList<GroupDesc>>(Disconnected());
        owner.Receive(this, OfpMultipartType.GroupDesc);
        return Answer(owner.ReadGroupsLocked, cancellation);
    }

    public Task<ValueList<MeterConfig>> ReadMeterConfigAsync(CancellationToken cancellation = default)
    {
        if (IsClosed) return Task.FromException<ValueList<MeterConfig>>(Disconnected());
        owner.Receive(this, OfpMultipartType.MeterConfig);
        return Answer(owner.ReadMetersLocked, cancellation);
    }

    /// <summary>Ends the channel once: fails what waits, then tells the handler, as a session that died does.</summary>
    public void Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closedReason, reason, null) is not null) return;
        owner.Drop(this, new SwitchDisconnectedException(reason));
        handler.OnDisconnected(this, reason);
        _closed.TrySetResult(reason);
    }

    private Task<T> Answer<T>(Func<T> request, CancellationToken cancellation)
    {
        var answer = owner.Process(this, request);
        if (answer.IsCompleted) return answer;
        var waiting = AwaitAnswerAsync(answer, cancellation);
        // The timeout runs from here on, so a test that moves the clock once it hears of this cannot move it too early.
        owner.OnRequestHeld();
        return waiting;
    }

    private async Task<T> AwaitAnswerAsync<T>(Task<T> answer, CancellationToken cancellation)
    {
        var timeout = owner.RequestTimeout;
        try
        {
            return await answer.WaitAsync(timeout, owner.Time, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Close($"no answer within {timeout.TotalSeconds:0.#} s");
            throw Disconnected();
        }
    }

    private SwitchDisconnectedException Disconnected() => new(Volatile.Read(ref _closedReason) ?? "closed");
}
