namespace Appliance.Switch;

/// <summary>
/// Requests waiting for the switch, by xid. The switch answers in order, so an ERROR for a batch
/// member always arrives before the barrier reply that closes the batch.
/// </summary>
internal sealed class PendingRequests
{
    private readonly Dictionary<uint, Pending> _byXid = [];
    private readonly Lock _lock = new();
    private Exception? _closed;
    private long _peakMultipartBytes;

    /// <summary>The most bytes one multipart reply held while it was reassembled: what a peer made us buffer.</summary>
    public long PeakMultipartBytes
    {
        get
        {
            lock (_lock) return _peakMultipartBytes;
        }
    }

    /// <summary>Registers a request; throws when the session is already closed.</summary>
    public void Add(uint xid, Pending pending)
    {
        lock (_lock)
        {
            if (_closed is not null) throw _closed;
            _byXid.Add(xid, pending);
        }
    }

    public void Remove(uint xid)
    {
        lock (_lock) _byXid.Remove(xid);
    }

    /// <summary>Hands a received message to the request with its xid; false when nothing waits for it.</summary>
    /// <exception cref="PeerLimitException">A multipart reply grew past its bound.</exception>
    public bool TryComplete(OfpHeader header, ReadOnlyMemory<byte> message)
    {
        Pending? pending;
        lock (_lock)
        {
            if (!_byXid.TryGetValue(header.Xid, out pending)) return false;
            if (pending.Accept(header, message)) _byXid.Remove(header.Xid);
            if (pending is MultipartReply multipart) _peakMultipartBytes = Math.Max(_peakMultipartBytes, multipart.Bytes);
            if (pending is BatchBarrier barrier)
            {
                foreach (var xid in barrier.Batch.MemberXids) _byXid.Remove(xid);
            }
        }
        return true;
    }

    /// <summary>Fails everything still waiting, and every later <see cref="Add"/>.</summary>
    public void Close(Exception reason)
    {
        List<Pending> failed;
        lock (_lock)
        {
            _closed ??= reason;
            failed = [.. _byXid.Values];
            _byXid.Clear();
        }
        foreach (var pending in failed) pending.Fail(reason);
    }

    internal abstract class Pending
    {
        /// <summary>Takes a message; true when the request is complete.</summary>
        public abstract bool Accept(OfpHeader header, ReadOnlyMemory<byte> message);

        public abstract void Fail(Exception reason);

        protected static ErrorMsg DecodeError(ReadOnlyMemory<byte> message) =>
            OfpCodec.TryDecode<ErrorMsg>(message, out var error, out _) ? error with { Data = error.Data.Detach() } : default;
    }

    /// <summary>A request answered by one message (or by an ERROR).</summary>
    internal sealed class SingleReply(string request) : Pending
    {
        public TaskCompletionSource<byte[]> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool Accept(OfpHeader header, ReadOnlyMemory<byte> message)
        {
            if (header.Type == OfpType.Error) Reply.TrySetException(new OpenFlowErrorException(DecodeError(message), request));
            else Reply.TrySetResult(message.ToArray());
            return true;
        }

        public override void Fail(Exception reason) => Reply.TrySetException(reason);
    }

    /// <summary>
    /// A MULTIPART request, whose reply may come in several messages flagged MORE; at most
    /// <paramref name="maxBytes"/> in at most <paramref name="maxParts"/> parts, so that a peer
    /// flagging MORE for ever cannot fill our memory.
    /// </summary>
    internal sealed class MultipartReply(string request, int maxBytes, int maxParts) : Pending
    {
        private readonly List<byte[]> _parts = [];

        public TaskCompletionSource<IReadOnlyList<byte[]>> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Bytes held so far.</summary>
        public long Bytes { get; private set; }

        public override bool Accept(OfpHeader header, ReadOnlyMemory<byte> message)
        {
            if (header.Type == OfpType.Error)
            {
                Reply.TrySetException(new OpenFlowErrorException(DecodeError(message), request));
                return true;
            }
            if (_parts.Count + 1 > maxParts || Bytes + message.Length > maxBytes)
            {
                throw new PeerLimitException(RefusalReason.ReplyTooLarge,
                    $"multipart reply to {request} exceeds its bound of {maxParts} parts or {maxBytes} bytes ({_parts.Count} parts, {Bytes} bytes so far)");
            }
            _parts.Add(message.ToArray());
            Bytes += message.Length;
            var body = message.Span[OfpHeader.Size..];
            var more = body.Length >= 4 && ((OfpMultipartFlags)(body[2] << 8 | body[3])).HasFlag(OfpMultipartFlags.More);
            if (more) return false;
            Reply.TrySetResult(_parts);
            return true;
        }

        public override void Fail(Exception reason) => Reply.TrySetException(reason);
    }

    /// <summary>A batch: its members collect errors, its closing barrier completes it.</summary>
    internal sealed class Batch(IReadOnlyList<IOfpMessage> messages, uint[] memberXids, long startedAt, TimeProvider time)
    {
        private readonly List<BatchError> _errors = [];

        public IReadOnlyList<uint> MemberXids => memberXids;

        public TaskCompletionSource<BatchResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void AddError(int index, ErrorMsg error) => _errors.Add(new BatchError(index, messages[index], error.Code, error.Data));

        public void Complete() => Result.TrySetResult(new BatchResult(messages.Count, [.. _errors], time.GetElapsedTime(startedAt)));
    }

    internal sealed class BatchMember(Batch batch, int index) : Pending
    {
        public override bool Accept(OfpHeader header, ReadOnlyMemory<byte> message)
        {
            if (header.Type == OfpType.Error) batch.AddError(index, DecodeError(message));
            return true;
        }

        public override void Fail(Exception reason) => batch.Result.TrySetException(reason);
    }

    internal sealed class BatchBarrier(Batch batch) : Pending
    {
        public Batch Batch => batch;

        public override bool Accept(OfpHeader header, ReadOnlyMemory<byte> message)
        {
            if (header.Type == OfpType.Error)
            {
                batch.Result.TrySetException(new OpenFlowErrorException(DecodeError(message), "BARRIER_REQUEST"));
            }
            else
            {
                batch.Complete();
            }
            return true;
        }

        public override void Fail(Exception reason) => batch.Result.TrySetException(reason);
    }
}
