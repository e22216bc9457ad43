using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Appliance.Api;
using Appliance.Config;

namespace Appliance.Cli;

/// <summary>
/// <c>appliance update status|install|reboot|verify-boot</c> (docs/cli.md#update): A/B updates through the running
/// firmware's API (<c>/api/update</c>), on the address and with the token of the same configuration file.
/// </summary>
internal static class UpdateCommand
{
    /// <summary>A question to the firmware (not an upload) that takes longer means it does not answer.</summary>
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(5);

    /// <summary>How often an install's progress is asked.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    /// <summary>While installing, the firmware may stay silent this long (a restart) before the command gives up.</summary>
    private static readonly TimeSpan SilentAtMost = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(ApplianceConfig config, IReadOnlyList<string> arguments, bool json, bool reboot, TextWriter output, TextWriter error)
    {
        switch (arguments)
        {
            case ["status"]:
                return await StatusAsync(config, json, output, error).ConfigureAwait(false);
            case ["install", var source] when !json:
                return await InstallAsync(config, source, reboot, output, error).ConfigureAwait(false);
            case ["reboot"] when !json:
                return await RebootAsync(config, output, error).ConfigureAwait(false);
            case ["verify-boot"] when !json:
                return await VerifyBootAsync(config, output, error).ConfigureAwait(false);
            default:
                await error.WriteLineAsync("appliance: update status [--json] | update install FILE|URL [--reboot] | update reboot | update verify-boot").ConfigureAwait(false);
                return Program.Exit.Invalid;
        }
    }

    private static async Task<int> StatusAsync(ApplianceConfig config, bool json, TextWriter output, TextWriter error)
    {
        using var http = Client(config, token: null);
        string body;
        try
        {
            body = await http.GetStringAsync("/api/update").ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return await Unreachable(config, e.Message, error).ConfigureAwait(false);
        }
        if (json)
        {
            await output.WriteLineAsync(body).ConfigureAwait(false);
            return Program.Exit.Ok;
        }
        await output.WriteLineAsync(Describe(JsonSerializer.Deserialize(body, ApiJson.Default.UpdateDocument)!)).ConfigureAwait(false);
        return Program.Exit.Ok;
    }

    /// <summary>GET /api/update in a few lines for people.</summary>
    internal static string Describe(UpdateDocument update)
    {
        var text = new StringBuilder();
        var system = update.System;
        text.AppendLine(CultureInfo.InvariantCulture, $"system: version {system.Version ?? "unknown"}, booted slot {system.Booted ?? "unknown"}, compatible {system.Compatible ?? "unknown"}");
        if (update.Slots.Count == 0) text.AppendLine("  no slots: RAUC does not answer on this machine");
        foreach (var slot in update.Slots)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {slot.Name,-9} {slot.Bootname ?? "-",-2} {(slot.Booted ? "booted" : ""),-6} boot {slot.BootStatus ?? "unknown",-7} version {slot.Version ?? "unknown"}, installed {slot.Installed ?? "never"}");
        }
        var size = update.Total is { } total ? $"{update.Bytes} of {total} bytes" : $"{update.Bytes} bytes";
        text.AppendLine(CultureInfo.InvariantCulture, $"update: {update.Operation} {update.Progress}%: {update.Message} ({size})");
        if (update.Bundle is { } bundle) text.AppendLine(CultureInfo.InvariantCulture, $"bundle: version {bundle.Version ?? "unknown"}, compatible {bundle.Compatible ?? "unknown"}");
        if (update.Error is { } failed) text.AppendLine(CultureInfo.InvariantCulture, $"error: {failed}");
        if (update.RebootNeeded) text.AppendLine("reboot needed: the installed update runs after a reboot (appliance update reboot)");
        if (update.LastBoot is { } boot)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"last trial boot: {boot.Time} slot {boot.Slot} version {boot.Version}: {boot.Result}{(boot.Message is { Length: > 0 } m ? $" ({m})" : "")}");
        }
        return text.ToString().TrimEnd();
    }

    private static async Task<int> InstallAsync(ApplianceConfig config, string source, bool reboot, TextWriter output, TextWriter error)
    {
        if (ApiToken.Read(config.Api.TokenFile, out var tokenProblem) is not { } token)
        {
            await error.WriteLineAsync($"appliance: cannot use the API token in {config.Api.TokenFile}: {tokenProblem}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        HttpContent content;
        FileStream? file = null;
        if (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            content = new StringContent(JsonSerializer.Serialize(new UpdateUrlRequest(source), ApiJson.Default.UpdateUrlRequest), Encoding.UTF8, "application/json");
        }
        else
        {
            try
            {
                file = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1024 * 1024, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"appliance: cannot read {source}: {e.Message}").ConfigureAwait(false);
                return Program.Exit.Invalid;
            }
            // Streamed from the file: a bundle of a gigabyte is never in memory, here or in the firmware.
            content = new StreamContent(file, 1024 * 1024);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = file.Length;
            await output.WriteLineAsync($"sending {source} ({file.Length} bytes) to the firmware on {config.Api.Listen}").ConfigureAwait(false);
        }
        // The upload may take minutes; only the connection must be quick.
        using var upload = Client(config, token, Timeout.InfiniteTimeSpan);
        HttpStatusCode status;
        string body;
        try
        {
            using var response = await upload.PostAsync("/api/update", content).ConfigureAwait(false);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return await Unreachable(config, e.Message, error).ConfigureAwait(false);
        }
        finally
        {
            content.Dispose();
            if (file is not null) await file.DisposeAsync().ConfigureAwait(false);
        }
        switch (status)
        {
            case HttpStatusCode.Accepted:
                break;
            case HttpStatusCode.Unauthorized:
                await error.WriteLineAsync($"appliance: refused: the firmware does not take the token in {config.Api.TokenFile}: {Message(body)}").ConfigureAwait(false);
                return Program.Exit.Unreachable;
            case HttpStatusCode.Conflict or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType:
                await error.WriteLineAsync($"refused: {Message(body)}").ConfigureAwait(false);
                return Program.Exit.Refused;
            default:
                await error.WriteLineAsync($"appliance: the firmware answered {(int)status}: {Message(body)}").ConfigureAwait(false);
                return Program.Exit.Unreachable;
        }
        var outcome = await FollowAsync(config, output, error).ConfigureAwait(false);
        if (outcome != Program.Exit.Ok || !reboot) return outcome;
        return await RebootAsync(config, output, error).ConfigureAwait(false);
    }

    /// <summary>Prints each step of the operation until it has installed (0) or failed (3); 1 when the firmware stays silent.</summary>
    private static async Task<int> FollowAsync(ApplianceConfig config, TextWriter output, TextWriter error)
    {
        using var http = Client(config, token: null);
        string? shown = null;
        var lastAnswer = DateTime.UtcNow;
        while (true)
        {
            UpdateDocument? update = null;
            string? problem = null;
            try
            {
                update = JsonSerializer.Deserialize(await http.GetStringAsync("/api/update").ConfigureAwait(false), ApiJson.Default.UpdateDocument);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                problem = e.Message;
            }
            if (update is null)
            {
                if (DateTime.UtcNow - lastAnswer > SilentAtMost) return await Unreachable(config, problem ?? "no answer", error).ConfigureAwait(false);
            }
            else
            {
                lastAnswer = DateTime.UtcNow;
                var line = update.Operation switch
                {
                    "receiving" or "downloading" when update.Total is { } total => $"{update.Operation} {update.Bytes} of {total} bytes",
                    "receiving" or "downloading" => $"{update.Operation} {update.Bytes} bytes",
                    _ => $"{update.Progress,3}% {update.Message}",
                };
                if (line != shown)
                {
                    await output.WriteLineAsync(line).ConfigureAwait(false);
                    shown = line;
                }
                switch (update.Operation)
                {
                    case "installed":
                        return Program.Exit.Ok;
                    case "failed":
                        await error.WriteLineAsync($"failed: {update.Error}").ConfigureAwait(false);
                        return Program.Exit.Refused;
                    case "idle":
                        // The firmware restarted meanwhile: what came of the install is in the events.
                        await error.WriteLineAsync("appliance: the firmware restarted during the install: see appliance status and appliance update status").ConfigureAwait(false);
                        return Program.Exit.Unreachable;
                }
            }
            await Task.Delay(Poll).ConfigureAwait(false);
        }
    }

    private static async Task<int> RebootAsync(ApplianceConfig config, TextWriter output, TextWriter error)
    {
        if (ApiToken.Read(config.Api.TokenFile, out var tokenProblem) is not { } token)
        {
            await error.WriteLineAsync($"appliance: cannot use the API token in {config.Api.TokenFile}: {tokenProblem}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        using var http = Client(config, token);
        try
        {
            using var response = await http.PostAsync("/api/update/reboot", content: null).ConfigureAwait(false);
            var message = Message(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            switch (response.StatusCode)
            {
                case HttpStatusCode.Accepted:
                    await output.WriteLineAsync(message).ConfigureAwait(false);
                    return Program.Exit.Ok;
                case HttpStatusCode.Conflict:
                    await error.WriteLineAsync($"refused: {message}").ConfigureAwait(false);
                    return Program.Exit.Refused;
                case HttpStatusCode.Unauthorized:
                    await error.WriteLineAsync($"appliance: refused: the firmware does not take the token in {config.Api.TokenFile}: {message}").ConfigureAwait(false);
                    return Program.Exit.Unreachable;
                default:
                    await error.WriteLineAsync($"appliance: the firmware answered {(int)response.StatusCode}: {message}").ConfigureAwait(false);
                    return Program.Exit.Unreachable;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return await Unreachable(config, e.Message, error).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The trial boot's question (the box's appliance-trial runs it every 2 s after booting a new slot): does the
    /// firmware serve? 0 when the configuration is taken, the switch connected and programmed and the active server
    /// healthy; else 1 and the reason on one line.
    /// </summary>
    private static async Task<int> VerifyBootAsync(ApplianceConfig config, TextWriter output, TextWriter error)
    {
        using var http = Client(config, token: null);
        StatusDocument status;
        try
        {
            status = JsonSerializer.Deserialize(await http.GetStringAsync("/api/status").ConfigureAwait(false), ApiJson.Default.StatusDocument)!;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            await error.WriteLineAsync($"not serving: the firmware does not answer on {config.Api.Listen}: {e.Message}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        if (Verdict(status) is { } reason)
        {
            await error.WriteLineAsync($"not serving: {reason}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        await output.WriteLineAsync($"serving: {status.Active} is healthy and the switch is programmed").ConfigureAwait(false);
        return Program.Exit.Ok;
    }

    /// <summary>Why the firmware does not serve, or null when it does.</summary>
    internal static string? Verdict(StatusDocument status)
    {
        if (status.Configuration.Refused) return $"the configuration is refused ({status.Configuration.Errors.FirstOrDefault() ?? "no reason given"})";
        if (!status.Switch.Connected) return "the switch is not connected";
        if (!status.Switch.Programmed) return "the switch is connected but its rules are not confirmed yet";
        if (status.Active is not { } active) return "no server is serving";
        var server = status.Servers.FirstOrDefault(s => s.Name == active);
        if (server is not { Health: "up" }) return $"{active} serves but its health is {server?.Health ?? "unknown"}";
        return null;
    }

    private static HttpClient Client(ApplianceConfig config, string? token, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = AnswerWithin };
        var http = new HttpClient(handler) { BaseAddress = new Uri($"http://{config.Api.Listen}"), Timeout = timeout ?? AnswerWithin };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static string Message(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, ApiJson.Default.RequestDocument)?.Message ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static async Task<int> Unreachable(ApplianceConfig config, string problem, TextWriter error)
    {
        await error.WriteLineAsync($"appliance: the firmware does not answer on {config.Api.Listen}: {problem}").ConfigureAwait(false);
        return Program.Exit.Unreachable;
    }
}
