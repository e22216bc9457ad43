using System.Text.Json;
using Appliance.Config;

namespace Appliance.Api;

public sealed partial class EventJournal
{
    /// <summary>What was read at start, and whether the file must be replaced before anything is appended.</summary>
    private sealed record Contents(IReadOnlyList<LoggedEvent> Events, string? Problem, bool Rewrite);

    /// <summary>
    /// The newest events in <paramref name="path"/>, oldest first. Only its last
    /// <see cref="JournalLimits.MaxReadBytes"/> are read, and only lines of ours are taken: each
    /// under <see cref="MaxLineBytes"/>, with a known kind, a server name that can be one, and a
    /// number above the line before (anything else is skipped). A file with content but not one
    /// such line is not ours: it is set aside, not overwritten.
    /// </summary>
    private static Contents Read(string path, JournalLimits limits)
    {
        byte[] bytes;
        bool cut;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var length = file.Length;
            cut = length > limits.MaxReadBytes;
            if (cut) file.Position = length - limits.MaxReadBytes;
            bytes = new byte[Math.Min(length, limits.MaxReadBytes)];
            // The file may shrink under us (another copy of the firmware compacting it): take what is there.
            bytes = bytes[..file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false)];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new([], null, Rewrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return SetAside(path, $"cannot read {path}: {e.Message}");
        }

        var events = new Queue<LoggedEvent>();
        var skipped = 0;
        ReadOnlySpan<byte> rest = bytes;
        // Reading from the middle of a file starts mid-line.
        if (cut) rest = rest.IndexOf((byte)'\n') is var first and >= 0 ? rest[(first + 1)..] : [];
        var torn = false;
        long last = 0;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end >= 0 ? rest[..end] : rest;
            rest = end >= 0 ? rest[(end + 1)..] : [];
            // A power cut while a batch was appended leaves its last line unfinished; it may still read.
            torn = end < 0;
            if (line.Trim(" \t\r"u8).IsEmpty) continue;
            if (line.Length <= MaxLineBytes && Parse(line) is { } entry && entry.Seq > last)
            {
                last = entry.Seq;
                events.Enqueue(entry);
                if (events.Count > limits.Keep) events.Dequeue();
            }
            else
            {
                skipped++;
            }
        }

        if (events.Count == 0 && bytes.Length > 0)
        {
            return SetAside(path, $"{path} holds no event this firmware can read");
        }
        List<string> problems = [];
        if (cut) problems.Add($"it is larger than {limits.MaxReadBytes / 1024} KiB: only its end was read");
        if (skipped > 0) problems.Add(skipped == 1 ? "1 line could not be read" : $"{skipped} lines could not be read");
        if (torn) problems.Add("its last line was unfinished (a power cut while it was written)");
        // A file in need of mending, or grown past the bound (the firmware stopped before compacting), is rewritten.
        return new([.. events], problems.Count > 0 ? $"{path}: {string.Join("; ", problems)}" : null,
            Rewrite: problems.Count > 0 || bytes.Length > limits.CompactAt);
    }

    /// <summary>One line, or null when it is not one of ours; hostile input, so it never throws.</summary>
    internal static LoggedEvent? Parse(ReadOnlySpan<byte> line)
    {
        JournalLine? read;
        try
        {
            read = JsonSerializer.Deserialize(line, JournalJson.Default.JournalLine);
        }
        catch (JsonException)
        {
            return null;
        }
        // Names and messages end up on the status page and in logs: only what the firmware itself writes is taken.
        if (read is not { Seq: > 0, Time: { } time, Kind: { } name, Message: { Length: <= MaxMessageChars } message }
            || !EventNames.TryParse(name, out var kind)
            || read.Server is { } server && !ConfigLimits.IsServerName(server))
        {
            return null;
        }
        return new LoggedEvent(time, kind, read.Server, message) { Seq = read.Seq };
    }

    /// <summary>Moves an unusable file out of the way (one copy, the last), so that the history starts anew beside it.</summary>
    private static Contents SetAside(string path, string problem)
    {
        var aside = path + ".unreadable";
        try
        {
            File.Move(path, aside, overwrite: true);
            return new([], $"{problem}: moved to {aside}; the history starts anew", Rewrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new([], $"{problem}, and it cannot be moved aside ({e.Message}): the history starts anew", Rewrite: true);
        }
    }
}
