using System.Text;
using System.Text.Json;
using Appliance.Config;

namespace Appliance.Api;

/// <summary>
/// A change asked for through <c>/api/config</c>: a whole new text, or key edits of the current one
/// (docs/api.md#configuration). Values of <see cref="Set"/> may be JSON strings, numbers, booleans or lists.
/// </summary>
public sealed record ConfigChangeRequest(string? Text, Dictionary<string, JsonElement>? Set, List<string>? Remove);

/// <summary>The rules <c>appliance check</c> lists that a candidate adds and removes, compared with the running configuration's.</summary>
public sealed record RuleDiff(IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public static readonly RuleDiff None = new([], []);

    /// <summary>Lines of <paramref name="after"/> not in <paramref name="before"/> and the other way round, each counted (a line twice in one and once in the other is one added), in their order.</summary>
    public static RuleDiff Between(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return new RuleDiff(Minus(after, before), Minus(before, after));
    }

    private static List<string> Minus(IReadOnlyList<string> from, IReadOnlyList<string> take)
    {
        var left = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in take) left[line] = left.GetValueOrDefault(line) + 1;
        var result = new List<string>();
        foreach (var line in from)
        {
            if (left.GetValueOrDefault(line) > 0) left[line]--;
            else result.Add(line);
        }
        return result;
    }
}

/// <summary>
/// A configuration text as it would be applied: the key edits made on the current text (or the text given), read by
/// the same reader as <c>appliance check</c>, and its rules compared with the running configuration's.
/// </summary>
/// <param name="Config">The configuration, or null when <see cref="Errors"/> is not empty.</param>
/// <param name="Status">400 or 413 when the request itself is unusable; 200 otherwise (also for an invalid configuration: <see cref="Errors"/>).</param>
public sealed record ConfigCandidate(
    string Text,
    ApplianceConfig? Config,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyList<ConfigError> Warnings,
    RuleDiff Rules,
    IReadOnlyList<string> ChangedKeys,
    int Status = 200)
{
    /// <summary>Makes the candidate for <paramref name="request"/>.</summary>
    /// <param name="currentText">The file as it is now.</param>
    /// <param name="path">The file's path, as errors name it.</param>
    /// <param name="running">The configuration the firmware runs with now.</param>
    /// <param name="rules">The rule listing of a configuration, as <c>appliance check</c> prints it, one rule a line.</param>
    public static ConfigCandidate Prepare(ConfigChangeRequest? request, string currentText, string path, ApplianceConfig running,
        Func<ApplianceConfig, IReadOnlyList<string>> rules)
    {
        ArgumentNullException.ThrowIfNull(currentText);
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(rules);
        if (request is null)
        {
            return Refused(currentText, path, "the body must be a JSON object: {\"text\": \"...\"} or {\"set\": {\"key\": \"value\"}, \"remove\": [\"key\"]}", 400);
        }
        bool edits = request.Set is { Count: > 0 } || request.Remove is { Count: > 0 };
        if (request.Text is not null && edits)
        {
            return Refused(currentText, path, "give either text or set/remove, not both", 400);
        }
        if (request.Text is null && !edits)
        {
            return Refused(currentText, path, "nothing to change: give text, or set/remove", 400);
        }
        string text;
        if (request.Text is { } given)
        {
            text = given;
        }
        else
        {
            var set = new List<KeyValuePair<string, string>>();
            foreach ((string key, JsonElement value) in request.Set ?? [])
            {
                if (ValueText(value) is not { } valueText)
                {
                    return Refused(currentText, path, $"{new string([.. key.Where(c => !char.IsControl(c)).Take(80)])}: a value must be a string, a number, true/false or a list of those", 400);
                }
                set.Add(new(key, valueText));
            }
            var edited = ConfigEdit.Apply(currentText, set, request.Remove ?? [], path);
            if (edited.Errors.Count > 0)
            {
                return new ConfigCandidate(currentText, null, edited.Errors, [], RuleDiff.None, []);
            }
            text = edited.Text;
        }
        if (Encoding.UTF8.GetByteCount(text) > ConfigEdit.MaxTextBytes)
        {
            return Refused(currentText, path, $"the configuration may be at most {ConfigEdit.MaxTextBytes / 1024} KiB ({ConfigEdit.MaxTextBytes} bytes) here", 413);
        }
        string[] changed = [.. ChangedBetween(currentText, text)];
        if (!ConfigLoader.TryParse(text, path, out ApplianceConfig? config, out IReadOnlyList<ConfigError> errors))
        {
            return new ConfigCandidate(text, null, errors, [], RuleDiff.None, changed);
        }
        if (config.Api.TokenFile != running.Api.TokenFile && ApiToken.Read(config.Api.TokenFile, out string? tokenProblem) is null)
        {
            // The firmware would make a new token there, or refuse every POST: the operator applying this would lock
            // themselves out of the API, with no way back but the console.
            var error = new ConfigError(path, 0, 0, "api.token_file",
                $"{Printable.Escape(Printable.Cut(config.Api.TokenFile, 200))} holds no usable token ({tokenProblem}): put the token there before pointing api.token_file at it");
            return new ConfigCandidate(text, null, [error], [], RuleDiff.None, changed);
        }
        return new ConfigCandidate(text, config, [], config.Warnings, RuleDiff.Between(rules(running), rules(config)), changed);
    }

    /// <summary>The dotted keys whose values differ between two texts (added and removed ones too), in the order of the new text, then the removed.</summary>
    public static IEnumerable<string> ChangedBetween(string before, string after)
    {
        var old = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string value) in ConfigEdit.Values(before)) old.TryAdd(key, value);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string key, string value) in ConfigEdit.Values(after))
        {
            if (!seen.Add(key)) continue;
            if (!old.TryGetValue(key, out string? was) || was != value) yield return key;
        }
        foreach (string key in old.Keys)
        {
            if (!seen.Contains(key)) yield return key;
        }
    }

    private static ConfigCandidate Refused(string currentText, string path, string message, int status) =>
        new(currentText, null, [new ConfigError(path, 0, 0, "", message)], [], RuleDiff.None, [], status);

    /// <summary>A JSON value as the text of a YAML value: a string as it is, a number or boolean as written, a list as <c>[a, b]</c>.</summary>
    private static string? ValueText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False) =>
            "[" + string.Join(", ", value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? ConfigEdit.Render(v.GetString()!, collections: false) : v.GetRawText())) + "]",
        _ => null,
    };
}
