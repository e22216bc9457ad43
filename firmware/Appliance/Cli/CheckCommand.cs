using Appliance.Config;
using Appliance.Health;
using Appliance.Pipeline;
using Appliance.Policy;

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
        output.WriteLine(Notify.NotifySummary.Describe(config));
        var macs = new Dictionary<string, MacAddress>();
        var learned = new List<string>();
        foreach (var server in config.Servers)
        {
            if (server.Mac is { } mac)
            {
                macs[server.Name] = mac;
            }
            else
            {
                macs[server.Name] = MacAddress.Zero;
                learned.Add(server.Name);
            }
            output.WriteLine($"server {server.Name}: {server.Address} on port {server.Port}{(server.Mac is null ? ", MAC learned by ARP" : $", MAC {server.Mac}")}");
        }
        output.WriteLine();
        output.WriteLine("rules with every server healthy (the master serving):");
        if (learned.Count > 0) output.WriteLine($"(00:00:00:00:00:00 stands for the MAC of {string.Join(", ", learned)}, learned at run time)");
        // The guard binds the management port's MAC, read from the bridge's internal port when it exists here.
        var management = NetworkInterfaceInfo.TryReadMac(config.Bridge.Name);
        if (management is null) output.WriteLine($"(the management port's MAC is read from {config.Bridge.Name} at run time; its guard rules are left out here)");
        var all = new DesiredSwitchState([.. config.Servers.Select(s => s.Name)], config.Master.Name);
        output.Write(new RuleBuilder(config).Build(all, macs, management).Describe());
        return Program.Exit.Ok;
    }
}
