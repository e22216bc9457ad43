using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Api;
using Appliance.Config;

namespace Appliance.Cli;

/// <summary>
/// <c>appliance config get|set|apply</c>: the running firmware's configuration through its API (docs/cli.md), on the
/// address and with the token of the same configuration file, as <c>status</c> and <c>failback</c>.
/// </summary>
internal static class ConfigCommand
{
    /// <summary>An apply waits up to 10 s for the switch, and a rollback as long again.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(ApplianceConfig config, IReadOnlyList<string> arguments, bool dryRun, TextWriter output, TextWriter error)
    {
        switch (arguments)
        {
            case ["get"] or ["get", _] when !dryRun:
                return await GetAsync(config, arguments.Count > 1 ? arguments[1] : null, output, error).ConfigureAwait(false);
            case ["set", _, ..]:
                var set = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var pair in arguments.Skip(1))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        await error.WriteLineAsync($"appliance: config set takes KEY=VALUE, not {pair}").ConfigureAwait(false);
                        return Program.Exit.Invalid;
                    }
                    set[pair[..equals]] = JsonSerializer.SerializeToElement(pair[(equals + 1)..], ApiJson.Default.String);
                }
                return await ChangeAsync(config, new ConfigChangeRequest(null, set, null), config.SourcePath, dryRun, output, error).ConfigureAwait(false);
            case ["apply", var file]:
                string text;
                try
                {
                    text = SmallFile.TryReadAll(file, ConfigEdit.MaxTextBytes) is { } bytes
                        ? new UTF8Encoding(false, true).GetString(bytes).TrimStart('\uFEFF')
                        : throw new IOException($"it is larger than {ConfigEdit.MaxTextBytes} bytes, the most the API takes");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
                {
                    await error.WriteLineAsync($"appliance: cannot read {file}: {e.Message}").ConfigureAwait(false);
                    return Program.Exit.Invalid;
                }
                return await ChangeAsync(config, new ConfigChangeRequest(text, null, null), file, dryRun, output, error).ConfigureAwait(false);
            default:
                await error.WriteLineAsync("appliance: config get [KEY] | config set KEY=VALUE... [--dry-run] | config apply FILE [--dry-run]").ConfigureAwait(false);
                return Program.Exit.Invalid;
        }
    }

    private static async Task<int> GetAsync(ApplianceConfig config, string? key, TextWriter output, TextWriter error)
    {
        if (Client(config, error) is not { } http) return Program.Exit.Unreachable;
        using (http)
        {
            var (status, body, problem) = await SendAsync(http, HttpMethod.Get, "/api/config", null).ConfigureAwait(false);
            if (problem is not null) return await Unreachable(config, problem, error).ConfigureAwait(false);
            if (status != HttpStatusCode.OK) return await Refused(config, status, body, error).ConfigureAwait(false);
            var document = JsonSerializer.Deserialize(body, ApiJson.Default.ConfigDocument)!;
            if (key is null)
            {
                await output.WriteAsync(document.Text).ConfigureAwait(false);
                return Program.Exit.Ok;
            }
            JsonNode? value = document.Values[key];
            if (value is null && key.StartsWith("servers.", StringComparison.Ordinal))
            {
                // servers.1.address: from the list of servers.
                value = key.Split('.') is [_, var index, var field] && int.TryParse(index, out var i) && document.Values["servers"] is JsonArray servers && i >= 0 && i < servers.Count
                    ? servers[i]?[field]
                    : key.Split('.') is [_, var only] && int.TryParse(only, out var j) && document.Values["servers"] is JsonArray all && j >= 0 && j < all.Count ? all[j] : null;
            }
            if (value is null)
            {
                await error.WriteLineAsync($"{key} is not in {document.Path}: it has its default (docs/configuration.md)").ConfigureAwait(false);
                return Program.Exit.Ok;
            }
            await output.WriteLineAsync(value is JsonValue v && v.TryGetValue(out string? s) ? s : value.ToJsonString()).ConfigureAwait(false);
            return Program.Exit.Ok;
        }
    }

    private static async Task<int> ChangeAsync(ApplianceConfig config, ConfigChangeRequest change, string shownAs, bool dryRun, TextWriter output, TextWriter error)
    {
        if (Client(config, error) is not { } http) return Program.Exit.Unreachable;
        using (http)
        {
            var body = JsonSerializer.Serialize(change, ApiJson.Default.ConfigChangeRequest);
            var (status, answer, problem) = await SendAsync(http, dryRun ? HttpMethod.Post : HttpMethod.Put, dryRun ? "/api/config/check" : "/api/config", body).ConfigureAwait(false);
            if (problem is not null) return await Unreachable(config, problem, error).ConfigureAwait(false);
            ConfigCheckDocument? document;
            try
            {
                document = JsonSerializer.Deserialize(answer, ApiJson.Default.ConfigCheckDocument);
            }
            catch (JsonException)
            {
                document = null;
            }
            if (document is null) return await Refused(config, status, answer, error).ConfigureAwait(false);
            foreach (var line in Problems(document.Warnings, shownAs, "warnings")) await output.WriteLineAsync($"warning: {line}").ConfigureAwait(false);
            if (document.Errors.Count > 0 && status is HttpStatusCode.OK or HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge)
            {
                foreach (var line in Problems(document.Errors, shownAs, "errors")) await error.WriteLineAsync(line).ConfigureAwait(false);
                return Program.Exit.Invalid;
            }
            await WriteRulesAsync(document.Rules, output).ConfigureAwait(false);
            switch (status)
            {
                case HttpStatusCode.OK when dryRun:
                    await output.WriteLineAsync($"{shownAs}: valid; nothing applied (--dry-run)").ConfigureAwait(false);
                    return Program.Exit.Ok;
                case HttpStatusCode.OK or HttpStatusCode.Accepted:
                    await output.WriteLineAsync(document.Message ?? "applied").ConfigureAwait(false);
                    return Program.Exit.Ok;
                case HttpStatusCode.Unauthorized:
                    return await Refused(config, status, answer, error).ConfigureAwait(false);
                case HttpStatusCode.BadGateway:
                    await error.WriteLineAsync($"rolled back: {document.Message}").ConfigureAwait(false);
                    return Program.Exit.Refused;
                case HttpStatusCode.Conflict:
                    await error.WriteLineAsync($"refused: {document.Message}").ConfigureAwait(false);
                    return Program.Exit.Refused;
                default:
                    await error.WriteLineAsync($"appliance: the firmware answered {(int)status}: {document.Message}").ConfigureAwait(false);
                    return Program.Exit.Unreachable;
            }
        }
    }

    /// <summary>As <c>appliance check</c> prints problems: FILE:LINE:COLUMN: KEY: MESSAGE.</summary>
    private static IEnumerable<string> Problems(IReadOnlyList<ConfigProblemDocument> problems, string file, string what) =>
        ConfigError.Printed([.. problems.Select(p => new ConfigError(file, p.Line, p.Column, p.Key, p.Message))], what);

    private static async Task WriteRulesAsync(RuleDiffDocument rules, TextWriter output)
    {
        if (rules.Added.Count == 0 && rules.Removed.Count == 0)
        {
            await output.WriteLineAsync("rules: no change").ConfigureAwait(false);
            return;
        }
        await output.WriteLineAsync($"rules: {rules.Removed.Count} removed, {rules.Added.Count} added").ConfigureAwait(false);
        foreach (var line in rules.Removed) await output.WriteLineAsync($"- {line}").ConfigureAwait(false);
        foreach (var line in rules.Added) await output.WriteLineAsync($"+ {line}").ConfigureAwait(false);
    }

    private static async Task<(HttpStatusCode Status, string Body, string? Problem)> SendAsync(HttpClient http, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        try
        {
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            return (response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, "", e.Message);
        }
    }

    private static HttpClient? Client(ApplianceConfig config, TextWriter error)
    {
        if (ApiToken.Read(config.Api.TokenFile, out var problem) is not { } token)
        {
            error.WriteLine($"appliance: cannot use the API token in {config.Api.TokenFile}: {problem}");
            return null;
        }
        var http = new HttpClient { BaseAddress = new Uri($"http://{config.Api.Listen}"), Timeout = Timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<int> Unreachable(ApplianceConfig config, string problem, TextWriter error)
    {
        await error.WriteLineAsync($"appliance: the firmware does not answer on {config.Api.Listen}: {problem}").ConfigureAwait(false);
        return Program.Exit.Unreachable;
    }

    private static async Task<int> Refused(ApplianceConfig config, HttpStatusCode status, string body, TextWriter error)
    {
        string message;
        try
        {
            message = JsonSerializer.Deserialize(body, ApiJson.Default.RequestDocument)?.Message ?? body;
        }
        catch (JsonException)
        {
            message = body;
        }
        await error.WriteLineAsync(status == HttpStatusCode.Unauthorized
            ? $"appliance: refused: the firmware does not take the token in {config.Api.TokenFile}: {message}"
            : $"appliance: the firmware answered {(int)status}: {message}").ConfigureAwait(false);
        return status is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.RequestEntityTooLarge ? Program.Exit.Invalid : Program.Exit.Unreachable;
    }
}
