using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Config;
using Appliance.Policy;

namespace Appliance.Controller;

/// <summary>
/// The operator's intent (<see cref="OperatorIntent"/>) on disk, so that a restart of the firmware
/// (watchdog, DHCP change, reboot) keeps a server under maintenance out and a manual-failback hold
/// in place. One small JSON file, replaced atomically (<see cref="AtomicFile"/>); a file that is
/// missing, unreadable, too large, not JSON, of another version or naming invalid servers is not
/// used: the firmware then starts with nothing drained or held and says why.
/// </summary>
public sealed class OperatorIntentStore(string path)
{
    public const string FileName = "operator.json";

    /// <summary>The format written; another version is not read.</summary>
    public const int Version = 1;

    /// <summary>A valid file is a few hundred bytes; anything larger is not read.</summary>
    public const int MaxBytes = 16 * 1024;

    public string Path { get; } = path;

    /// <summary>operator.json in the state directory (<see cref="StateDirectory"/>).</summary>
    public static OperatorIntentStore InStateDirectory() => new(System.IO.Path.Combine(StateDirectory.Path, FileName));

    /// <summary>The saved intent, or <see cref="OperatorIntent.None"/> and why it could not be used.</summary>
    public (OperatorIntent Intent, string? Problem) Load()
    {
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(Path);
            if (file.Length > MaxBytes) return Unusable($"{Path} is larger than {MaxBytes / 1024} KiB");
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Unusable($"no file {Path} yet");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Unusable($"cannot read {Path}: {e.Message}");
        }
        OperatorStateFile? saved;
        try
        {
            saved = JsonSerializer.Deserialize(bytes, OperatorStateJson.Default.OperatorStateFile);
        }
        catch (JsonException e)
        {
            return Unusable($"{Path} is not valid: {e.Message}");
        }
        if (saved is null) return Unusable($"{Path} holds no state");
        if (saved.Version != Version) return Unusable($"{Path} has version {saved.Version}; this firmware reads version {Version}");
        // Names end up in events and logs: only what could be a server's name is taken.
        string[] drained = [.. (saved.Drained ?? []).Select(n => n is not null && ConfigLimits.IsServerName(n) ? n : "").Distinct()];
        if (drained.Contains("") || saved.ManualHold is { } held && !ConfigLimits.IsServerName(held))
        {
            return Unusable($"{Path} names something that is not a server name");
        }
        return (new OperatorIntent([.. drained], saved.ManualHold), null);

        static (OperatorIntent, string?) Unusable(string problem) => (OperatorIntent.None, problem);
    }

    /// <summary>Replaces the file with <paramref name="intent"/>.</summary>
    /// <exception cref="IOException">The state directory is missing or the write failed; the previous file is untouched.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory is not writable.</exception>
    public void Save(OperatorIntent intent)
    {
        var file = new OperatorStateFile(Version, [.. intent.Drained], intent.ManualHold);
        AtomicFile.Write(Path, [.. JsonSerializer.SerializeToUtf8Bytes(file, OperatorStateJson.Default.OperatorStateFile), (byte)'\n']);
    }
}

/// <summary>operator.json: <c>{"version": 1, "drained": ["master"], "manual_hold": null}</c>.</summary>
internal sealed record OperatorStateFile(int Version, string?[]? Drained, string? ManualHold);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(OperatorStateFile))]
internal sealed partial class OperatorStateJson : JsonSerializerContext;
