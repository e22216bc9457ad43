using System.Reflection;

namespace Appliance.Api;

/// <summary>
/// The firmware's version and the commit it was built from, as the build stamped them into this
/// assembly (Directory.Build.props, Directory.Build.targets). <c>appliance --version</c>,
/// <c>/api/status</c> and <c>/metrics</c> all read them here.
/// </summary>
public static class BuildInfo
{
    /// <summary>What the build writes when it cannot tell the commit (no git, no repository).</summary>
    public const string Unknown = "unknown";

    private static readonly Assembly Stamped = typeof(BuildInfo).Assembly;

    /// <summary>The version in Directory.Build.props, e.g. <c>1.0.0</c>.</summary>
    public static string Version { get; } =
        Stamped.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? Unknown;

    /// <summary>The first 12 hex digits of the commit, or <see cref="Unknown"/>.</summary>
    public static string Commit { get; } =
        Stamped.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "Commit")?.Value ?? Unknown;

    /// <summary><c>1.0.0 (abcdef123456)</c>: how a version and its commit are shown to people.</summary>
    public static string Describe(string version, string commit) => $"{version} ({commit})";
}
