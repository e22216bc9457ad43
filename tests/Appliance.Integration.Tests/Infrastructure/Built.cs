namespace Appliance.Integration.Tests;

/// <summary>
/// What the firmware under test must report as its version and commit, found the way the build finds
/// them (Directory.Build.props, Directory.Build.targets) rather than asked of the firmware itself.
/// </summary>
internal static class Built
{
    public static string Version { get; } =
        System.Xml.Linq.XDocument.Load(Path.Combine(Sh.RepositoryRoot, "Directory.Build.props")).Descendants("Version").Single().Value;

    /// <summary>This checkout's commit, 12 hex digits, or "unknown" outside git.</summary>
    public static string Commit { get; } = FindCommit();

    private static string FindCommit()
    {
        if (!Path.Exists(Path.Combine(Sh.RepositoryRoot, ".git"))) return "unknown";
        var head = Sh.Run("git", "rev-parse", "--verify", "--quiet", "HEAD");
        return head.ExitCode == 0 ? head.Output.Trim()[..12] : "unknown";
    }
}
