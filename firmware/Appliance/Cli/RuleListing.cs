using Appliance.Config;
using Appliance.Health;
using Appliance.Pipeline;
using Appliance.Policy;

namespace Appliance.Cli;

/// <summary>
/// The rules a configuration programs with every server healthy and the master serving, as <c>appliance check</c>
/// lists them; also what <c>/api/config</c> compares a candidate's against the running configuration's.
/// </summary>
internal static class RuleListing
{
    /// <param name="learned">Servers whose MAC is learned at run time (00:00:00:00:00:00 stands for it).</param>
    /// <param name="management">The management port's MAC read from the bridge, or null when it is not here (its guard rules are left out).</param>
    public static string Describe(ApplianceConfig config, out IReadOnlyList<string> learned, out MacAddress? management)
    {
        var macs = new Dictionary<string, MacAddress>();
        var unknown = new List<string>();
        foreach (var server in config.Servers)
        {
            macs[server.Name] = server.Mac ?? MacAddress.Zero;
            if (server.Mac is null) unknown.Add(server.Name);
        }
        learned = unknown;
        // The guard binds the management port's MAC, read from the bridge's internal port when it exists here.
        management = NetworkInterfaceInfo.TryReadMac(config.Bridge.Name);
        var all = new DesiredSwitchState([.. config.Servers.Select(s => s.Name)], config.Master.Name);
        return new RuleBuilder(config).Build(all, macs, management).Describe();
    }

    /// <summary>The rules, one a line.</summary>
    public static IReadOnlyList<string> Lines(ApplianceConfig config) =>
        Describe(config, out _, out _).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
