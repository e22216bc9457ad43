using System.Text.Json.Serialization;
using Appliance.Config;

namespace Appliance.Api;

/// <summary>Where the journal's writes go: the file, or in tests a disk that stalls or fails.</summary>
internal interface IJournalDisk
{
    /// <summary>Appends <paramref name="lines"/> and flushes them to disk.</summary>
    /// <returns>The file's length after.</returns>
    long Append(ReadOnlySpan<byte> lines);

    /// <summary>Replaces the file with <paramref name="content"/>, atomically.</summary>
    void Replace(ReadOnlySpan<byte> content);
}

/// <summary>events.jsonl: appends flushed with fsync, rewrites through <see cref="AtomicFile"/>.</summary>
internal sealed class JournalDisk(string path) : IJournalDisk
{
    public long Append(ReadOnlySpan<byte> lines)
    {
        // A new file goes through AtomicFile, which also flushes the directory that now names it:
        // otherwise a power cut could lose the file with the events fsynced into it.
        if (!File.Exists(path))
        {
            AtomicFile.Write(path, lines);
            return lines.Length;
        }
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read });
        stream.Write(lines);
        stream.Flush(flushToDisk: true);
        return stream.Length;
    }

    public void Replace(ReadOnlySpan<byte> content) => AtomicFile.Write(path, content);
}

/// <summary>
/// A line of events.jsonl: <c>{"seq":41,"time":"2026-12-01T00:38:22.17+00:00","kind":"failover","server":"slave","message":"…"}</c>.
/// Everything is optional when read: a line that lacks a field is skipped, not an error.
/// </summary>
internal sealed record JournalLine(long Seq, DateTimeOffset? Time, string? Kind, string? Server, string? Message)
{
    public static JournalLine From(LoggedEvent entry) => new(entry.Seq, entry.Time, EventNames.Of(entry.Kind), entry.Server, Cut(entry.Message));

    /// <summary>Only a message longer than any the firmware writes is cut, so that the line reads back.</summary>
    private static string Cut(string message)
    {
        if (message.Length <= EventJournal.MaxMessageChars) return message;
        var end = EventJournal.MaxMessageChars - 1;
        // Half a surrogate pair would not read back as text.
        if (char.IsHighSurrogate(message[end - 1])) end--;
        return string.Concat(message.AsSpan(0, end), "…");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(JournalLine))]
internal sealed partial class JournalJson : JsonSerializerContext;
