namespace Appliance.Config;

/// <summary>
/// Where the firmware keeps what must survive a restart: systemd's <c>StateDirectory=appliance</c>
/// hands it over in <c>$STATE_DIRECTORY</c>; elsewhere (a lab, a test) that variable names another.
/// On the box it is on the persistent <c>/data</c> partition.
/// </summary>
public static class StateDirectory
{
    public const string Default = "/var/lib/appliance";

    /// <summary>The first directory of <c>$STATE_DIRECTORY</c> (systemd lists one per <c>StateDirectory=</c> entry), else <see cref="Default"/>.</summary>
    public static string Path =>
        Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } list && list.Split(':')[0] is { Length: > 0 } first ? first : Default;
}
