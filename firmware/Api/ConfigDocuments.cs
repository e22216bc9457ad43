using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Appliance.Config;

namespace Appliance.Api;

/// <summary>GET /api/config: the file, and its values by dotted key (servers as a list).</summary>
public sealed record ConfigDocument(string Path, string Text, JsonObject Values);

/// <summary>A problem of a candidate, as <c>appliance check</c> prints it but in parts.</summary>
public sealed record ConfigProblemDocument(string Key, int Line, int Column, string Message)
{
    public static ConfigProblemDocument From(ConfigError e) => new(e.Key, e.Line, e.Column, e.Message);
}

public sealed record RuleDiffDocument(IReadOnlyList<string> Added, IReadOnlyList<string> Removed);

/// <summary>The answer of POST /api/config/check and PUT /api/config (docs/api.md#configuration).</summary>
public sealed record ConfigCheckDocument(bool Ok, IReadOnlyList<ConfigProblemDocument> Errors, IReadOnlyList<ConfigProblemDocument> Warnings, RuleDiffDocument Rules, string Text)
{
    /// <summary>PUT only: whether the firmware now runs with the new file.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Applied { get; init; }

    /// <summary>PUT only: the switch did not take the new file, and the previous one runs again.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? RolledBack { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    /// <summary>PUT only: the keys whose values changed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Changed { get; init; }

    public static ConfigCheckDocument From(ConfigCandidate candidate) => new(
        candidate.Errors.Count == 0,
        [.. candidate.Errors.Select(ConfigProblemDocument.From)],
        [.. candidate.Warnings.Select(ConfigProblemDocument.From)],
        new RuleDiffDocument(candidate.Rules.Added, candidate.Rules.Removed),
        candidate.Text);
}
