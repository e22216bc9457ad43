using System.Buffers;

namespace Appliance.Switch;

/// <summary>
/// Requests to the switch. Each is bounded by <see cref="SwitchSessionOptions.RequestTimeout"/>
/// from the moment it is made, waiting to write included: a switch that does not read, or does
/// not answer, loses its session rather than holding the caller.
/// </summary>
public sealed partial class SwitchSession
{
    private int _nextXid;

    /// <summary>Sends one message with a fresh xid, not waiting for any answer.</summary>
    public ValueTask SendAsync<T>(T message, CancellationToken cancellation = default)
        where T : IOfpMessage => SendAsync(message, NextXid(), cancellation);

    private async ValueTask SendAsync<T>(T message, uint xid, CancellationToken cancellation)
        where T : IOfpMessage
    {
        var length = OfpCodec.EncodedLength(message);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            OfpCodec.Encode(message, xid, buffer);
            await WriteAsync(buffer.AsMemory(0, length), cancellation).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends a request and returns its single reply; an ERROR reply throws <see cref="OpenFlowErrorException"/>.</summary>
    public async Task<TReply> RequestAsync<TRequest, TReply>(TRequest request, CancellationToken cancellation = default)
        where TRequest : IOfpMessage
        where TReply : struct, IOfpMessage<TReply>
    {
        var started = _time.GetTimestamp();
        var xid = NextXid();
        var pending = new PendingRequests.SingleReply(request.Type.ToString());
        _pending.Add(xid, pending);
        await SendRequestAsync(request, xid, cancellation).ConfigureAwait(false);
        var bytes = await AwaitAnswer(pending.Reply.Task, xid, started, cancellation).ConfigureAwait(false);
        return Decode<TReply>(bytes);
    }

    /// <summary>Sends a MULTIPART request and returns the entries of all parts of its reply.</summary>
    public async Task<ValueList<TEntry>> MultipartAsync<TRequest, TReply, TEntry>(TRequest request, CancellationToken cancellation = default)
        where TRequest : IOfpMessage
        where TReply : struct, IOfpMultipartReply<TReply, TEntry>
    {
        var started = _time.GetTimestamp();
        var xid = NextXid();
        var pending = new PendingRequests.MultipartReply(request.Type.ToString(), _options.MaxMultipartBytes, _options.MaxMultipartParts);
        _pending.Add(xid, pending);
        await SendRequestAsync(request, xid, cancellation).ConfigureAwait(false);
        var parts = await AwaitAnswer(pending.Reply.Task, xid, started, cancellation).ConfigureAwait(false);
        if (parts.Count == 1) return Decode<TReply>(parts[0]).Entries;
        var entries = new List<TEntry>();
        foreach (var part in parts) entries.AddRange(Decode<TReply>(part).Entries);
        return new ValueList<TEntry>([.. entries]);
    }

    /// <summary>
    /// Sends the messages followed by a BARRIER_REQUEST, in one write, and completes when the
    /// barrier is answered: then the switch has applied all of them, and the result names each
    /// message it refused and why.
    /// </summary>
    public async Task<BatchResult> ApplyAsync(IReadOnlyList<IOfpMessage> messages, CancellationToken cancellation = default)
    {
        var started = _time.GetTimestamp();
        var xids = new uint[messages.Count];
        for (var i = 0; i < xids.Length; i++) xids[i] = NextXid();
        var barrierXid = NextXid();
        var batch = new PendingRequests.Batch(messages, xids, started, _time);
        for (var i = 0; i < xids.Length; i++) _pending.Add(xids[i], new PendingRequests.BatchMember(batch, i));
        _pending.Add(barrierXid, new PendingRequests.BatchBarrier(batch));

        var buffer = new ArrayBufferWriter<byte>(4096);
        for (var i = 0; i < messages.Count; i++) Append(buffer, messages[i], xids[i]);
        Append(buffer, new BarrierRequest(), barrierXid);
        try
        {
            await WriteAsync(buffer.WrittenMemory, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var xid in xids) _pending.Remove(xid);
            _pending.Remove(barrierXid);
            throw;
        }
        return await AwaitAnswer(batch.Result.Task, barrierXid, started, cancellation).ConfigureAwait(false);
    }

    public Task<ValueList<FlowStats>> ReadFlowStatsAsync(FlowStatsRequest request, CancellationToken cancellation = default) =>
        MultipartAsync<FlowStatsRequest, FlowStatsReply, FlowStats>(request, cancellation);

    public Task<ValueList<GroupDesc>> ReadGroupDescAsync(CancellationToken cancellation = default) =>
        MultipartAsync<GroupDescRequest, GroupDescReply, GroupDesc>(new GroupDescRequest(), cancellation);

    public Task<ValueList<MeterConfig>> ReadMeterConfigAsync(CancellationToken cancellation = default) =>
        MultipartAsync<MeterConfigRequest, MeterConfigReply, MeterConfig>(new MeterConfigRequest(), cancellation);

    /// <summary>Sends a registered request; if the caller gives up before it is written, nothing waits for its answer.</summary>
    private async ValueTask SendRequestAsync<T>(T request, uint xid, CancellationToken cancellation)
        where T : IOfpMessage
    {
        try
        {
            await SendAsync(request, xid, cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _pending.Remove(xid);
            throw;
        }
    }

    private static void Append<T>(ArrayBufferWriter<byte> buffer, T message, uint xid)
        where T : IOfpMessage
    {
        var length = OfpCodec.EncodedLength(message);
        OfpCodec.Encode(message, xid, buffer.GetSpan(length));
        buffer.Advance(length);
    }

    /// <summary>Waits for the answer for what is left of the request's time (it started at <paramref name="started"/>).</summary>
    private async Task<T> AwaitAnswer<T>(Task<T> answer, uint xid, long started, CancellationToken cancellation)
    {
        var left = _options.RequestTimeout - _time.GetElapsedTime(started);
        try
        {
            return await answer.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A switch that leaves a request unanswered this long is not one we can trust to be programmed.
            var reason = $"no answer to xid {xid} within {_options.RequestTimeout.TotalSeconds:0.#} s";
            await CloseAsync(reason).ConfigureAwait(false);
            throw new SwitchDisconnectedException(reason);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            _pending.Remove(xid);
            throw;
        }
    }

    /// <summary>
    /// Writes under the write lock. Waiting for the lock gives way to the caller's cancellation;
    /// the write itself does not (half a message would corrupt the stream), but both together
    /// take at most <see cref="SwitchSessionOptions.RequestTimeout"/>, or the session ends.
    /// </summary>
    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellation)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token, cancellation);
        try
        {
            await _writeLock.WaitAsync(waiting.Token).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(bytes, bounded.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested && !bounded.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            var reason = timeout.IsCancellationRequested && !_stop.IsCancellationRequested
                ? $"the switch took no data for {_options.RequestTimeout.TotalSeconds:0.#} s"
                : $"write failed: {e.Message}";
            _ = CloseAsync(reason);
            throw new SwitchDisconnectedException(reason);
        }
    }

    private T Decode<T>(byte[] bytes)
        where T : struct, IOfpMessage<T>
    {
        if (OfpCodec.TryDecode<T>(bytes, out var message, out var error)) return message;
        throw new OpenFlowProtocolException(error, T.MessageType);
    }

    private uint NextXid()
    {
        // Zero is left out: some switches use it for unsolicited messages.
        uint xid;
        do xid = (uint)Interlocked.Increment(ref _nextXid);
        while (xid == 0);
        return xid;
    }
}
