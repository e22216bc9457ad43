using Appliance.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Api.Tests;

/// <summary>Temporary folders of one test class, removed together when its tests are done (others may still run).</summary>
internal sealed class JournalFolders
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "appliance-journal-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>events.jsonl in a new folder; the file is not made.</summary>
    public string NewPath()
    {
        var dir = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, EventJournal.FileName);
    }

    public void RemoveAll()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}

/// <summary>A journal, events and lines as the firmware writes them.</summary>
internal static class JournalTesting
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    public static EventJournal Open(string path, JournalLimits? limits = null, IJournalDisk? disk = null, TimeProvider? time = null) =>
        EventJournal.Open(path, limits ?? JournalLimits.Default, disk ?? new JournalDisk(path), time ?? TimeProvider.System, NullLogger.Instance);

    public static LoggedEvent Event(int i, EventKind kind = EventKind.Failover, string? server = "slave") =>
        new(T0.AddSeconds(i), kind, server, $"event {i}: failover from master to slave (master unhealthy: 3 failed probes: timeout)");

    /// <summary>A line as the firmware writes it.</summary>
    public static string Line(long seq, string kind = "failover", string server = "\"slave\"", string message = "\"failover from master to slave\"") =>
        $"{{\"seq\":{seq},\"time\":\"2026-12-01T08:00:{seq % 60:00}+00:00\",\"kind\":\"{kind}\",\"server\":{server},\"message\":{message}}}";
}

/// <summary>The file, with every write counted: how many appends, how many lines each, how many rewrites.</summary>
internal class CountingDisk(string path) : IJournalDisk
{
    private readonly JournalDisk _file = new(path);

    public string Path { get; } = path;

    private readonly List<int> _appends = [];
    private int _replaces;

    public IReadOnlyList<int> Appends
    {
        get
        {
            lock (_appends) return [.. _appends];
        }
    }

    public int Replaces => Volatile.Read(ref _replaces);

    public virtual long Append(ReadOnlySpan<byte> lines)
    {
        var length = _file.Append(lines);
        lock (_appends) _appends.Add(lines.Count((byte)'\n'));
        return length;
    }

    public virtual void Replace(ReadOnlySpan<byte> content)
    {
        _file.Replace(content);
        Interlocked.Increment(ref _replaces);
    }
}

/// <summary>An SD card that does not answer: every append waits until <see cref="Release"/>.</summary>
internal sealed class StalledDisk(string path) : CountingDisk(path), IDisposable
{
    private readonly ManualResetEventSlim _gate = new();

    /// <summary>Set once the writer is stuck in an append.</summary>
    public ManualResetEventSlim Entered { get; } = new();

    public void Release() => _gate.Set();

    public override long Append(ReadOnlySpan<byte> lines)
    {
        Entered.Set();
        _gate.Wait();
        return base.Append(lines);
    }

    public void Dispose()
    {
        _gate.Dispose();
        Entered.Dispose();
    }
}

/// <summary>A disk whose first append fails half-way: half the batch is in the file, then an error.</summary>
internal sealed class FailingOnceDisk(string file) : CountingDisk(file)
{
    private int _failed;

    public override long Append(ReadOnlySpan<byte> lines)
    {
        if (Interlocked.Exchange(ref _failed, 1) == 1) return base.Append(lines);
        File.AppendAllText(Path, "{\"seq\":1,\"time\":\"2026-12-01T08");
        throw new IOException("Input/output error");
    }
}
