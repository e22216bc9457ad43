using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Appliance.Config;

namespace Appliance.Api;

/// <summary>
/// <c>GET /api/config</c>, <c>POST /api/config/check</c>, <c>PUT /api/config</c> (docs/api.md#configuration): what
/// each answers, with its status, without sockets; <see cref="ApiServer"/> only maps them.
/// </summary>
public static class ConfigEndpoints
{
    /// <summary>Largest body read: a 64 KiB text with every character escaped in JSON stays under it.</summary>
    public const int MaxBodyBytes = 6 * ConfigEdit.MaxTextBytes;

    public static (int Status, ConfigDocument? Document, string? Problem) Get(IConfigControl control)
    {
        ArgumentNullException.ThrowIfNull(control);
        string text;
        try
        {
            text = control.ReadText();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (500, null, $"cannot read {control.Path}: {e.Message}");
        }
        var values = new JsonObject();
        ApplianceConfig config = ConfigLoader.TryParse(text, control.Path, out ApplianceConfig? inFile, out _) ? inFile : control.Running;
        var servers = new JsonArray();
        foreach (ServerConfig server in config.Servers)
        {
            var entry = new JsonObject
            {
                ["name"] = server.Name,
                ["address"] = server.Address.ToString(),
                ["port"] = server.Port,
            };
            if (server.Mac is { } mac) entry["mac"] = mac.ToString();
            servers.Add((JsonNode)entry);
        }
        values["servers"] = servers;
        foreach ((string key, string value) in ConfigEdit.Values(text))
        {
            if (key == "servers" || key.StartsWith("servers.", StringComparison.Ordinal)) continue;
            values[key] = value;
        }
        return (200, new ConfigDocument(control.Path, text, values), null);
    }

    /// <summary>The request in a body, or the status and reason it is refused with.</summary>
    /// <param name="contentType">The request's Content-Type: only JSON is read (a form post from another site is not).</param>
    public static (ConfigChangeRequest? Request, int Status, string? Problem) ReadBody(string? contentType, ReadOnlySpan<byte> body, bool complete)
    {
        if (contentType is null || !contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, 415, "the body must be JSON (Content-Type: application/json)");
        }
        if (!complete || body.Length > MaxBodyBytes)
        {
            return (null, 413, string.Create(CultureInfo.InvariantCulture, $"the body may be at most {MaxBodyBytes} bytes"));
        }
        try
        {
            return JsonSerializer.Deserialize(body, ApiJson.Default.ConfigChangeRequest) is { } request
                ? (request, 200, null)
                : (null, 400, "the body must be a JSON object");
        }
        catch (JsonException e)
        {
            return (null, 400, $"the body is not the JSON expected: {e.Message}");
        }
    }

    public static (int Status, ConfigCheckDocument Document) Check(IConfigControl control, ConfigChangeRequest request)
    {
        ArgumentNullException.ThrowIfNull(control);
        ConfigCandidate candidate;
        try
        {
            candidate = Prepare(control, request);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (500, Problem(control.Path, $"cannot read {control.Path}: {e.Message}"));
        }
        return (candidate.Status, ConfigCheckDocument.From(candidate));
    }

    public static async Task<(int Status, ConfigCheckDocument Document, Action? AfterAnswer)> PutAsync(IConfigControl control, ConfigChangeRequest request)
    {
        ArgumentNullException.ThrowIfNull(control);
        ApplyOutcome outcome;
        try
        {
            outcome = await control.ApplyAsync(() => Prepare(control, request)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (500, Problem(control.Path, $"cannot read {control.Path}: {e.Message}") with { Applied = false }, null);
        }
        var document = outcome.Candidate is { } candidate ? ConfigCheckDocument.From(candidate) : Problem(control.Path, outcome.Message);
        return outcome.Result switch
        {
            ApplyResult.Applied => (200, document with { Applied = true, Message = outcome.Message, Changed = outcome.Candidate?.ChangedKeys }, null),
            ApplyResult.Moving => (202, document with { Applied = false, Message = outcome.Message, Changed = outcome.Candidate?.ChangedKeys }, outcome.AfterAnswer),
            ApplyResult.Invalid => (outcome.Candidate is { Status: not 200 } c ? c.Status : 422, document with { Ok = false, Applied = false }, null),
            ApplyResult.Busy => (409, document with { Ok = false, Applied = false, Message = outcome.Message }, null),
            ApplyResult.RolledBack => (502, document with { Ok = false, Applied = false, RolledBack = true, Message = outcome.Message }, null),
            _ => (500, document with { Ok = false, Applied = false, RolledBack = false, Message = outcome.Message }, null),
        };
    }

    private static ConfigCandidate Prepare(IConfigControl control, ConfigChangeRequest request) =>
        ConfigCandidate.Prepare(request, control.ReadText(), control.Path, control.Running, control.Rules);

    private static ConfigCheckDocument Problem(string path, string message) =>
        new(false, [ConfigProblemDocument.From(new ConfigError(path, 0, 0, "", message))], [], new RuleDiffDocument([], []), "") { Message = message };
}
