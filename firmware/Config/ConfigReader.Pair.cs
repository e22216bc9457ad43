namespace Appliance.Config;

/// <summary><c>pair:</c> this box is one of two that work as one (docs/pair.md); absent for a box on its own.</summary>
internal sealed partial class ConfigReader
{
    private PairConfig? ReadPair(Section root)
    {
        if (root.Node("pair") is null) return PairConfig.None;
        Section pair = root.Child("pair");
        string? fifo = pair.String("notify_fifo", null, AbsolutePathProblem, "the absolute path of keepalived's notify_fifo, e.g. /run/appliance/keepalived.fifo");
        string? track = pair.String("track_file", null, AbsolutePathProblem, "the absolute path of keepalived's vrrp_track_file, e.g. /run/appliance/pair-active");
        TimeSpan? settle = pair.Duration("settle", PairConfig.DefaultSettle);
        return fifo is null || track is null || settle is null ? null : new PairConfig(fifo, track, settle.Value);
    }

    private static string? AbsolutePathProblem(string s) =>
        !s.StartsWith('/') ? "must be an absolute path"
        : s.Contains('\0', StringComparison.Ordinal) ? "must not contain NUL"
        : null;
}
