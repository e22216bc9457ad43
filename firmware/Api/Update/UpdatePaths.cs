using Appliance.Config;

namespace Appliance.Api;

/// <summary>
/// Where the update component works; each can be moved for a lab or a test (docs/cli.md#environment-variables).
/// </summary>
/// <param name="Spool">Where an uploaded or downloaded bundle is kept until it is installed, and last-boot.json: <c>update/</c> in the state directory.</param>
/// <param name="RebootFile">The file that asks the box to reboot: a root path unit on the box watches it (the firmware may not reboot).</param>
/// <param name="OsRelease">The file naming the system's version (<c>IMAGE_VERSION=</c>).</param>
/// <param name="RaucCommand">The <c>rauc</c> executable.</param>
public sealed record UpdatePaths(string Spool, string RebootFile, string OsRelease, string RaucCommand)
{
    public const string DefaultRebootFile = "/run/appliance/reboot";
    public const string DefaultOsRelease = "/etc/os-release";
    public const string DefaultRauc = "rauc";

    public string Bundle => Path.Combine(Spool, "bundle.raucb");

    public string LastBoot => Path.Combine(Spool, "last-boot.json");

    /// <summary>The <c>time</c> of the last-boot.json already told as an event: each is told once.</summary>
    public string LastBootTold => Path.Combine(Spool, "last-boot.told");

    public static UpdatePaths FromEnvironment() => new(
        Path.Combine(StateDirectory.Path, "update"),
        Variable("APPLIANCE_REBOOT_FILE") ?? DefaultRebootFile,
        Variable("APPLIANCE_OS_RELEASE") ?? DefaultOsRelease,
        Variable("APPLIANCE_RAUC") ?? DefaultRauc);

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>IMAGE_VERSION in an os-release text; null when it has none.</summary>
    public static string? ImageVersion(string osRelease)
    {
        ArgumentNullException.ThrowIfNull(osRelease);
        foreach (var line in osRelease.Split('\n'))
        {
            var trimmed = line.Trim();
            if (!trimmed.StartsWith("IMAGE_VERSION=", StringComparison.Ordinal)) continue;
            var value = trimmed["IMAGE_VERSION=".Length..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            return value.Length > 0 ? value : null;
        }
        return null;
    }
}
