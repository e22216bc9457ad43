using System.Text;
using Appliance.Config;

namespace Appliance.Api;

/// <summary>
/// The one place that knows which settings of a pair's boxes are each box's own and which must be the same on both
/// (docs/pair.md#settings). Per box: the box's own switch and addresses (<c>bridge</c>, <c>openflow</c>, the
/// conntrack zone its switch uses), its panel wiring, its API (<c>api</c>: its address, token file and names) and
/// the whole <c>pair</c> section (its keepalived files, the peer it reads). Everything else (the VIP, the servers,
/// health, failback, time, notify…) must match, or the two boxes would serve the office differently after a takeover.
/// Configurations are compared as written, key by key (<see cref="ConfigEdit.Values"/>): a key left out on one box
/// and written with its default value on the other counts as a difference.
/// </summary>
public static class PairSettings
{
    /// <summary>Sections that belong to each box, whole.</summary>
    public static readonly IReadOnlyList<string> PerBoxSections = ["bridge", "openflow", "panel", "api", "pair"];

    /// <summary>Single keys of shared sections that belong to each box.</summary>
    public static readonly IReadOnlyList<string> PerBoxKeys = ["service.conntrack_zone"];

    /// <summary>Whether a dotted key (<c>bridge.management</c>, <c>servers.0.address</c>) is each box's own.</summary>
    public static bool IsPerBox(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (string section in PerBoxSections)
        {
            if (key == section || (key.StartsWith(section, StringComparison.Ordinal) && key.Length > section.Length && key[section.Length] == '.')) return true;
        }
        return PerBoxKeys.Contains(key, StringComparer.Ordinal);
    }

    /// <summary>The keys that must match and do not (a key on one box only is one of them), in the order of <paramref name="ours"/>, then the peer's only.</summary>
    public static IReadOnlyList<string> Differences(string ours, string peers)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(peers);
        return [.. ConfigCandidate.ChangedBetween(peers, ours).Where(k => !IsPerBox(k))];
    }

    /// <summary>
    /// What the peer is given by a copy: <paramref name="ours"/>, comments and layout kept, with every per-box key
    /// set to the peer's value (and those the peer leaves out removed), so that the peer keeps its own addresses,
    /// switch, API and keepalived files. Whether the result is a valid configuration for the peer is the peer's to say.
    /// </summary>
    public static ConfigEditResult CopyFor(string ours, string peers, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(peers);
        var theirs = ConfigEdit.Values(peers).Where(v => IsPerBox(v.Key)).ToList();
        if (!theirs.Any(v => v.Key.StartsWith("pair.", StringComparison.Ordinal)))
        {
            return new ConfigEditResult(ours, [new ConfigError(sourceName, 0, 0, "", "the peer's configuration has no pair section (or cannot be read): its own settings cannot be kept")]);
        }
        var theirKeys = theirs.Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        // A section the peer leaves out goes whole (an emptied "openflow: {}" would be noise); otherwise key by key.
        var remove = ConfigEdit.Values(ours).Select(v => v.Key).Where(k => IsPerBox(k) && !theirKeys.Contains(k))
            .Select(k => Section(k) is { } section && !theirKeys.Any(t => Section(t) == section) ? section : k)
            .Distinct(StringComparer.Ordinal).ToList();
        var result = ConfigEdit.Apply(ours, theirs, remove, sourceName);
        if (result.Errors.Count == 0 && Encoding.UTF8.GetByteCount(result.Text) > ConfigEdit.MaxTextBytes)
        {
            return new ConfigEditResult(ours, [new ConfigError(sourceName, 0, 0, "", $"the copy would be larger than {ConfigEdit.MaxTextBytes} bytes")]);
        }
        return result;
    }

    /// <summary>The per-box section a key is in, or null for a single per-box key of a shared section.</summary>
    private static string? Section(string key) => PerBoxSections.FirstOrDefault(s => key.StartsWith(s + ".", StringComparison.Ordinal));
}
