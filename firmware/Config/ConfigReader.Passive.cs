using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>health.passive*</c>: which refusals of client connections mark a server down.</summary>
internal sealed partial class ConfigReader
{
    private static readonly (string Name, bool Value)[] OnOff = [("on", true), ("off", false)];

    private PassiveHealthConfig? ReadPassive(Section health, ProbeKind probe, int probePort)
    {
        bool? enabled = health.Enum("passive", true, OnOff);
        // The service's port is the probe's, unless told otherwise; arp and icmp probes name no port.
        ushort[] probed = probe is ProbeKind.Tcp or ProbeKind.Http ? [(ushort)probePort] : [];
        List<ushort>? ports = ReadPassivePorts(health, probed);
        int? refusals = health.Int("passive_refusals", ConfigDefaults.PassiveRefusals, 1, ConfigLimits.MaxPassiveRefusals);
        TimeSpan? within = health.Duration("passive_within", ConfigDefaults.PassiveWithin);
        if (within is { } w && w > ConfigLimits.MaxPassiveWithin)
        {
            Error(health.Node("passive_within")!.Pos, health.KeyPath("passive_within"),
                $"must be at most {ConfigDuration.Format(ConfigLimits.MaxPassiveWithin)}, got {ConfigDuration.Format(w)}");
            within = null;
        }
        if (enabled is null || ports is null || refusals is null || within is null) return null;

        var explicitPorts = health.Node("passive_ports");
        if (enabled.Value && probe == ProbeKind.Link && explicitPorts is not null)
        {
            // Nothing could bring a server back but its link, and a refusal does not take the link down.
            Warn(explicitPorts.Pos, health.KeyPath("passive_ports"), "passive health is off with probe: link (no probe would tell when a refused server is back)");
        }
        else if (enabled.Value && probe is ProbeKind.Arp or ProbeKind.Icmp && ports.Count > 0)
        {
            Warn(explicitPorts?.Pos ?? health.Pos, health.KeyPath("passive_ports"),
                $"with probe: {probe.ToString().ToLowerInvariant()} a server whose service is dead still passes its probes: after a refusal it comes back after rise probes and goes down at the next refusal (held down once it flaps); a tcp or http probe knows better");
        }
        return new PassiveHealthConfig(enabled.Value && probe != ProbeKind.Link, ports, refusals.Value, within.Value);
    }

    /// <summary><c>health.passive_ports</c>: a list of distinct ports; absent is <paramref name="def"/>, empty is none.</summary>
    private List<ushort>? ReadPassivePorts(Section health, ushort[] def)
    {
        const string Expected = "a port from 1 to 65535";
        string key = health.KeyPath("passive_ports");
        switch (health.Node("passive_ports"))
        {
            case null:
                return [.. def];
            case YScalar { IsNull: true }:
                return [];
            case YSequence seq:
                if (seq.Items.Count > ConfigLimits.MaxPassivePorts)
                {
                    Error(seq.Pos, key, $"at most {ConfigLimits.MaxPassivePorts} ports, got {seq.Items.Count}");
                    return null;
                }
                var ports = new List<ushort>();
                bool valid = true;
                for (int i = 0; i < seq.Items.Count; i++)
                {
                    YNode item = seq.Items[i];
                    if (item is YScalar { IsNull: false } s && ushort.TryParse(s.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ushort port) && port > 0)
                    {
                        if (ports.Contains(port))
                        {
                            Error(item.Pos, $"{key}[{i}]", $"port {port} is listed twice");
                            valid = false;
                        }
                        ports.Add(port);
                        continue;
                    }
                    Error(item.Pos, $"{key}[{i}]", $"expected {Expected}, got {item.Describe()}");
                    valid = false;
                }
                return valid ? ports : null;
            case YNode other:
                Error(other.Pos, key, $"expected a list of ports, e.g. [80, 443], got {other.Describe()}");
                return null;
        }
    }
}
