using Appliance.Config;

namespace Appliance.Cli;

/// <summary><c>appliance check</c>: the configuration is valid; this is what would be programmed.</summary>
internal static class CheckCommand
{
    public static int Run(ApplianceConfig config, TextWriter output)
    {
        foreach (var warning in ConfigError.Printed(config.Warnings, "warnings")) output.WriteLine($"warning: {warning}");
        output.WriteLine($"{config.SourcePath}: valid");
        output.WriteLine($"bridge {config.Bridge.Name} ({config.Bridge.Datapath.ToString().ToLowerInvariant()} datapath), management {config.Bridge.ManagementCidr}");
        output.WriteLine($"OpenFlow channel: listening on {config.OpenFlow.Listen}");
        output.WriteLine($"VIP {config.Service.Vip} ({config.Service.Vmac}), {config.Service.Mode.ToString().ToLowerInvariant()} mode, failback {config.Failback.ToString().ToLowerInvariant()}");
        var last = config.Service.ConntrackZone + config.Servers.Count - 1;
        var limit = config.Service.ConntrackLimit > 0 ? $"at most {config.Service.ConntrackLimit} connections each (set by the bridge set-up)" : "no limit set";
        output.WriteLine($"conntrack zones {config.Service.ConntrackZone}{(last > config.Service.ConntrackZone ? $"-{last}" : "")} (servers) and {last + 1} (pins), {limit}");
        var health = config.Health;
        output.WriteLine($"health: {health.Probe.ToString().ToLowerInvariant()} probe every {ConfigDuration.Format(health.Interval)}, timeout {ConfigDuration.Format(health.Timeout)}, down after {health.Fall}, up after {health.Rise}, flapping held out {(health.HoldDown > TimeSpan.Zero ? $"from {ConfigDuration.Format(health.HoldDown)}" : "never (hold_down: off)")}, established connections move {(health.HardDown > TimeSpan.Zero ? $"after {ConfigDuration.Format(health.HardDown)} of silence" : "at once")}");
        var passive = health.Passive;
        output.WriteLine(passive.Watching
            ? $"passive health: refusals on port{(passive.Ports.Count > 1 ? "s" : "")} {string.Join(", ", passive.Ports)} count; {(passive.Refusals == 1
                ? "the first marks a server down, and the switch moves new connections off the serving server by itself"
                : $"{passive.Refusals} within {ConfigDuration.Format(passive.Within)} mark a server down (the firmware counts; no reflex in the switch)")}"
            : "passive health: off");
        // boot/…/appliance-time reads this line: keep its two forms.
        output.WriteLine(config.Time.FromDhcp ? "time: NTP from the DHCP lease, else Debian's pool" : $"time: NTP servers {string.Join(", ", config.Time.NtpServers)}");
        output.WriteLine(Notify.NotifySummary.Describe(config));
        foreach (var server in config.Servers)
        {
            output.WriteLine($"server {server.Name}: {server.Address} on port {server.Port}{(server.Mac is null ? ", MAC learned by ARP" : $", MAC {server.Mac}")}");
        }
        output.WriteLine();
        output.WriteLine("rules with every server healthy (the master serving):");
        var rules = RuleListing.Describe(config, out var learned, out var management);
        if (learned.Count > 0) output.WriteLine($"(00:00:00:00:00:00 stands for the MAC of {string.Join(", ", learned)}, learned at run time)");
        if (management is null) output.WriteLine($"(the management port's MAC is read from {config.Bridge.Name} at run time; its guard rules are left out here)");
        output.Write(rules);
        return Program.Exit.Ok;
    }
}
