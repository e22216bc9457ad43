namespace Appliance.Panel;

/// <summary>
/// The panel cannot start as configured: the GPIO chip, a line or the driver named in
/// <c>panel:</c> is not there or not usable. <see cref="Key"/> is the configuration key to fix
/// ("panel.chip", "panel.leds.master", "panel.button.pin", "panel.driver"). The firmware prints
/// <see cref="Exception.Message"/> (or <see cref="ToConfigError"/>) and exits with code 2, like
/// any configuration error.
/// </summary>
public sealed class PanelStartupException : Exception
{
    public PanelStartupException(string key, string detail, Exception? inner = null)
        : base($"{key}: {detail}", inner)
    {
        Key = key;
        Detail = detail;
    }

    /// <summary>The dotted configuration key the problem is about.</summary>
    public string Key { get; }

    /// <summary>The problem, without the key.</summary>
    public string Detail { get; }

    /// <summary>The problem in the configuration's error format ("appliance.yml: panel.chip: …"), without a position.</summary>
    public ConfigError ToConfigError(string file) => new(file, 0, 0, Key, Detail);
}
