using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Appliance.Config;
using Microsoft.Extensions.Logging;

namespace Appliance.Api;

/// <summary>
/// The event history on disk, so that it survives a restart and a power cut: <c>events.jsonl</c> in
/// the state directory, one JSON object per line, appended. An SD card wears with every write, and
/// an fsync on one can take long: so the controller loop only hands events over (it never waits for
/// the disk), and a writer beside it appends them in batches, at most once a second unless
/// <see cref="BatchSize"/> are pending, each batch flushed to disk. Past <see cref="CompactAt"/>
/// the file is replaced by the newest <see cref="Keep"/> events (<see cref="AtomicFile"/>). At
/// start the history is read back; whatever does not read (a power cut mid-line, a damaged or
/// foreign file) is skipped, never fatal (docs/cli.md#event-history).
/// </summary>
public sealed partial class EventJournal : IAsyncDisposable
{
    public const string FileName = "events.jsonl";

    /// <summary>Events kept across restarts: 100 to 300 KB of lines.</summary>
    public const int Keep = 1000;

    /// <summary>The file is rewritten with the newest <see cref="Keep"/> events once larger: every 700 to 4,000 events, as long as the messages are.</summary>
    public const long CompactAt = 512 * 1024;

    /// <summary>Read at start, from the end of the file: a file of ours is smaller; a larger one is not read whole.</summary>
    public const int MaxReadBytes = 1024 * 1024;

    /// <summary>A line of ours is smaller (a message is cut to <see cref="MaxMessageChars"/>); a longer line is skipped unread.</summary>
    public const int MaxLineBytes = 8 * 1024;

    /// <summary>Messages are single sentences; one longer is cut when written, and a line with one longer is not read.</summary>
    public const int MaxMessageChars = 1000;

    /// <summary>Events gathered before a write while fewer than this are pending.</summary>
    public const int BatchSize = 32;

    /// <summary>Events waiting for a stalled disk; more are not written (they stay in memory) and the log says how many.</summary>
    public const int MaxPending = 4096;

    /// <summary>How long a stop waits for the last events to be written: systemd kills the firmware 10 s after asking it to stop.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>At most one write a second, however many events.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly JournalLimits _limits;
    private readonly IJournalDisk _disk;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<LoggedEvent> _pending;
    // The writer's own copy of the newest events: a rewrite needs no read of the file.
    private readonly Queue<LoggedEvent> _kept = new();
    private readonly Task _writing;
    // The file must be replaced before anything is appended to it (it was damaged, or a write failed half-way).
    private bool _rewrite;
    private bool _failing;
    private long _dropped;

    private EventJournal(string path, JournalLimits limits, IJournalDisk disk, TimeProvider time, ILogger logger)
    {
        Path = path;
        _limits = limits;
        _disk = disk;
        _time = time;
        _logger = logger;
        _pending = Channel.CreateBounded<LoggedEvent>(new BoundedChannelOptions(limits.MaxPending) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var read = Read(path, limits);
        Loaded = read.Events;
        Problem = read.Problem;
        _rewrite = read.Rewrite;
        foreach (var entry in read.Events) _kept.Enqueue(entry);
        _writing = Task.Run(WriteAsync);
    }

    public string Path { get; }

    /// <summary>The history read at start, oldest first, numbered as it was.</summary>
    public IReadOnlyList<LoggedEvent> Loaded { get; }

    /// <summary>The number of the newest event read at start; 0 without any.</summary>
    public long LastSeq => Loaded.Count > 0 ? Loaded[^1].Seq : 0;

    /// <summary>What was wrong with the file at start (lines skipped, the file set aside), for the log and the start event; null when nothing was.</summary>
    public string? Problem { get; }

    /// <summary>Reads the history in <paramref name="path"/> and starts the writer; never throws for what the file holds.</summary>
    public static EventJournal Open(string path, ILogger logger) => Open(path, JournalLimits.Default, new JournalDisk(path), TimeProvider.System, logger);

    /// <summary>events.jsonl in the state directory (<see cref="StateDirectory"/>).</summary>
    public static EventJournal InStateDirectory(ILogger logger) => Open(System.IO.Path.Combine(StateDirectory.Path, FileName), logger);

    internal static EventJournal Open(string path, JournalLimits limits, IJournalDisk disk, TimeProvider time, ILogger logger) =>
        new(path, limits, disk, time, logger);

    /// <summary>Queues <paramref name="entry"/> for the writer; returns at once, also while the disk is stalled.</summary>
    internal void Append(LoggedEvent entry)
    {
        if (!_pending.Writer.TryWrite(entry)) Interlocked.Increment(ref _dropped);
    }

    /// <summary>Writes what is pending, waiting at most <see cref="StopTimeout"/> for the disk.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        try
        {
            await _writing.WaitAsync(_limits.StopTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogStopTimedOut(Path, _limits.StopTimeout.TotalSeconds);
        }
    }

    private async Task WriteAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<LoggedEvent>(_limits.BatchSize);
        long? lastWrite = null;
        try
        {
            // A damaged file is mended now rather than at the first event, which may be days away.
            if (_rewrite) Write(batch);
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // The first event after a quiet spell is written at once; a burst is gathered for up to a
                // second after the last write, or until a batch is full.
                while (true)
                {
                    while (batch.Count < _limits.BatchSize && reader.TryRead(out var entry)) batch.Add(entry);
                    var wait = lastWrite is { } at ? _limits.FlushInterval - _time.GetElapsedTime(at) : TimeSpan.Zero;
                    if (batch.Count >= _limits.BatchSize || wait <= TimeSpan.Zero) break;
                    using var timeout = new CancellationTokenSource(wait, _time);
                    try
                    {
                        // False once stopping and all is read: what was gathered is written now.
                        if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break;
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
                Write(batch);
                batch.Clear();
                lastWrite = _time.GetTimestamp();
            }
        }
        catch (Exception e)
        {
            // Nothing here may take the firmware down: the history then lives in memory only.
            LogWriterDied(e, Path);
        }
    }

    /// <summary>Appends <paramref name="batch"/>, or replaces the file with the newest events when it needs it.</summary>
    private void Write(List<LoggedEvent> batch)
    {
        foreach (var entry in batch)
        {
            _kept.Enqueue(entry);
            if (_kept.Count > _limits.Keep) _kept.Dequeue();
        }
        if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped) LogDropped(dropped, Path);
        try
        {
            if (_rewrite || batch.Count > 0 && _disk.Append(Lines(batch)) > _limits.CompactAt)
            {
                _disk.Replace(Lines(_kept));
                _rewrite = false;
            }
            if (_failing) LogWritingAgain(Path);
            _failing = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Part of the batch may be in the file, or a line half-written: the next write replaces
            // the file with what is kept, this batch included.
            _rewrite = true;
            if (!_failing) LogWriteFailed(Path, e.Message);
            _failing = true;
        }
    }

    /// <summary>One JSON object per line, each ending with a newline, so that a torn write spoils one line at most.</summary>
    internal static byte[] Lines(IEnumerable<LoggedEvent> events)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(buffer);
        foreach (var entry in events)
        {
            JsonSerializer.Serialize(json, JournalLine.From(entry), JournalJson.Default.JournalLine);
            json.Flush();
            json.Reset();
            buffer.Write("\n"u8);
        }
        return buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "writing the event history to {Path} failed ({Reason}): events are kept in memory only until a write succeeds")]
    private partial void LogWriteFailed(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "the event history is written to {Path} again")]
    private partial void LogWritingAgain(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} events were not written to {Path}: the disk did not keep up (they are shown until the firmware restarts)")]
    private partial void LogDropped(long count, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the last events were not written to {Path}: the disk did not answer within {Seconds} s")]
    private partial void LogStopTimedOut(string path, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "the event history writer for {Path} stopped: events are kept in memory only")]
    private partial void LogWriterDied(Exception exception, string path);
}

/// <summary>The journal's bounds; tests make them small.</summary>
internal sealed record JournalLimits(int Keep, long CompactAt, int MaxReadBytes, int BatchSize, int MaxPending, TimeSpan FlushInterval, TimeSpan StopTimeout)
{
    public static JournalLimits Default { get; } = new(EventJournal.Keep, EventJournal.CompactAt, EventJournal.MaxReadBytes,
        EventJournal.BatchSize, EventJournal.MaxPending, EventJournal.FlushInterval, EventJournal.StopTimeout);
}
