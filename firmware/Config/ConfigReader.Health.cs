using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>health:</c> the probe, its schedule and the flap damping.</summary>
internal sealed partial class ConfigReader
{
    private static readonly (string Name, ProbeKind Value)[] ProbeNames =
        [("link", ProbeKind.Link), ("arp", ProbeKind.Arp), ("icmp", ProbeKind.Icmp), ("tcp", ProbeKind.Tcp), ("http", ProbeKind.Http)];

    private HealthConfig? ReadHealth(Section root)
    {
        Section health = root.Child("health");
        ProbeKind? probe = health.Enum("probe", ConfigDefaults.Probe, ProbeNames);
        int? port = health.Int("port", ConfigDefaults.HealthPort, 1, 65535);
        string? path = health.String("path", ConfigDefaults.HealthPath, HealthPathProblem, "an HTTP path starting with '/'");
        TimeSpan? interval = health.Duration("interval", ConfigDefaults.Interval);
        if (interval is { } iv && iv < ConfigLimits.MinHealthInterval)
        {
            Error(health.Node("interval")!.Pos, health.KeyPath("interval"),
                $"must be at least {ConfigDuration.Format(ConfigLimits.MinHealthInterval)}, got {ConfigDuration.Format(iv)}");
            interval = null;
        }
        TimeSpan? timeout = health.Duration("timeout", ConfigDefaults.Timeout);
        int? fall = health.Int("fall", ConfigDefaults.Fall, ConfigLimits.MinFallRise, ConfigLimits.MaxFallRise);
        int? rise = health.Int("rise", ConfigDefaults.Rise, ConfigLimits.MinFallRise, ConfigLimits.MaxFallRise);
        // "off" disables the hold-down; a zero duration is not a duration the parser accepts.
        TimeSpan? holdDown = health.Node("hold_down") is YScalar { Value: "off" } ? TimeSpan.Zero : health.Duration("hold_down", ConfigDefaults.HoldDown);
        TimeSpan? flapWindow = health.Duration("flap_window", ConfigDefaults.FlapWindow);
        // "0": connections move as soon as the server is down; a zero duration is not one the parser accepts.
        TimeSpan? hardDown = health.Node("hard_down") is YScalar { Value: "0" } ? TimeSpan.Zero : health.Duration("hard_down", ConfigDefaults.HardDown);
        if (hardDown is { } hd && hd > ConfigLimits.MaxHardDown)
        {
            Error(health.Node("hard_down")!.Pos, health.KeyPath("hard_down"),
                $"must be at most {ConfigDuration.Format(ConfigLimits.MaxHardDown)}, got {ConfigDuration.Format(hd)}");
            hardDown = null;
        }
        // Read even when the probe is in error, so that its keys are known and checked too.
        PassiveHealthConfig? passive = ReadPassive(health, probe ?? ConfigDefaults.Probe, port ?? ConfigDefaults.HealthPort);
        if (probe is null || port is null || path is null || interval is null || timeout is null || fall is null || rise is null
            || holdDown is null || flapWindow is null || hardDown is null || passive is null)
        {
            return null;
        }
        return new HealthConfig(probe.Value, port.Value, path, interval.Value, timeout.Value, fall.Value, rise.Value)
        {
            HoldDown = holdDown.Value,
            FlapWindow = flapWindow.Value,
            HardDown = hardDown.Value,
            Passive = passive,
        };
    }

    private static string? HealthPathProblem(string s) =>
        s.Length == 0 || s[0] != '/' ? "must start with '/'"
        : s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "must not contain spaces or control characters"
        : null;
}
