using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Appliance.Api;

/// <summary>What a run of <c>rauc</c> gave: its exit code (-1: it did not run), its standard output, its last lines of standard error.</summary>
public sealed record RaucResult(int ExitCode, string Output, IReadOnlyList<string> Errors)
{
    /// <summary>Why it failed, in RAUC's words where it gave any.</summary>
    public string Reason(string what) => RaucOutput.Reason(Errors) ?? $"{what} ended with code {ExitCode}";
}

/// <summary>
/// The <c>rauc</c> command line, run as a child process: on the box the firmware (user appliance) asks the RAUC service
/// over the system D-Bus through it (<c>install</c>, <c>status</c>), and checks a bundle's signature with <c>info</c>.
/// A thin runner: what the output means is <see cref="RaucOutput"/>'s and <see cref="UpdateState"/>'s.
/// </summary>
public sealed class Rauc(string command)
{
    /// <summary>Lines of standard error kept: the reason is among the last.</summary>
    private const int KeptErrorLines = 50;

    /// <summary>Standard output kept (JSON of status or info is a few KiB).</summary>
    private const int MaxOutputChars = 1024 * 1024;

    public string Command { get; } = command;

    /// <summary><c>rauc install FILE</c>; <paramref name="onLine"/> receives each line of its output as it comes.</summary>
    public Task<RaucResult> InstallAsync(string bundle, Action<string> onLine, CancellationToken cancel) =>
        RunAsync(["install", bundle], onLine, cancel);

    /// <summary><c>rauc info</c>: checks the bundle's signature against the keyring and reads its manifest.</summary>
    public async Task<(BundleInfo? Bundle, RaucResult Result)> InfoAsync(string bundle, CancellationToken cancel)
    {
        var result = await RunAsync(["info", "--output-format=json", bundle], null, cancel).ConfigureAwait(false);
        if (result.ExitCode != 0) return (null, result);
        try
        {
            using var json = JsonDocument.Parse(result.Output);
            return (new BundleInfo(Text(json.RootElement, "version"), Text(json.RootElement, "compatible")), result);
        }
        catch (JsonException e)
        {
            return (null, result with { ExitCode = -1, Errors = [$"rauc info gave no JSON: {e.Message}"] });
        }
    }

    /// <summary><c>rauc status --detailed</c>: the system's compatible, the booted slot, and each slot's bundle.</summary>
    public async Task<RaucStatus?> StatusAsync(CancellationToken cancel)
    {
        var result = await RunAsync(["status", "--detailed", "--output-format=json"], null, cancel).ConfigureAwait(false);
        return result.ExitCode == 0 ? RaucStatus.Parse(result.Output) : null;
    }

    /// <summary>Runs rauc with <paramref name="arguments"/> to its end; a rauc that cannot be started gives code -1 and the reason.</summary>
    public async Task<RaucResult> RunAsync(IReadOnlyList<string> arguments, Action<string>? onLine, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(Command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            return new RaucResult(-1, "", [$"cannot run {Command}: {e.Message} (is RAUC installed?)"]);
        }
        using (process)
        {
            process.StandardInput.Close();
            var output = new System.Text.StringBuilder();
            var errors = new Queue<string>();
            var reading = Task.WhenAll(ReadAsync(process.StandardOutput, line =>
            {
                lock (output)
                {
                    if (output.Length < MaxOutputChars) output.AppendLine(line);
                }
                onLine?.Invoke(line);
            }), ReadAsync(process.StandardError, line =>
            {
                lock (errors)
                {
                    errors.Enqueue(line);
                    if (errors.Count > KeptErrorLines) errors.Dequeue();
                }
                // RAUC writes some of its verdict on standard error: it may carry the reason.
                onLine?.Invoke(line);
            }));
            try
            {
                await process.WaitForExitAsync(cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It ended meanwhile.
                }
                throw;
            }
            await reading.ConfigureAwait(false);
            lock (output)
            {
                lock (errors) return new RaucResult(process.ExitCode, output.ToString(), [.. errors]);
            }
        }
    }

    private static async Task ReadAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line) onLine(line);
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What <c>rauc status --detailed --output-format=json</c> says of the system and its slots.</summary>
public sealed record RaucStatus(string? Compatible, string? Booted, IReadOnlyList<UpdateSlotDocument> Slots)
{
    /// <summary>Null when <paramref name="json"/> is not RAUC's status.</summary>
    public static RaucStatus? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var slots = new List<UpdateSlotDocument>();
            if (root.TryGetProperty("slots", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                // [{"rootfs.1": {…}}, {"rootfs.0": {…}}]: one object per slot, named by its only key.
                foreach (var entry in list.EnumerateArray())
                {
                    if (entry.ValueKind != JsonValueKind.Object) continue;
                    foreach (var slot in entry.EnumerateObject())
                    {
                        var value = slot.Value;
                        var status = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("slot_status", out var s) ? s : default;
                        var bundle = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("bundle", out var b) ? b : default;
                        var installed = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("installed", out var i) ? i : default;
                        slots.Add(new UpdateSlotDocument(slot.Name, Rauc.Text(value, "bootname"), Rauc.Text(value, "state") == "booted",
                            Rauc.Text(value, "boot_status"), Rauc.Text(bundle, "version"), Rauc.Text(installed, "timestamp")));
                    }
                }
            }
            slots.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            return new RaucStatus(Rauc.Text(root, "compatible"), Rauc.Text(root, "booted"), slots);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
