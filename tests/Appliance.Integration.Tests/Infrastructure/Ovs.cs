namespace Appliance.Integration.Tests;

/// <summary>The Open vSwitch daemons of this machine.</summary>
internal static class Ovs
{
    private const string Ctl = "/usr/share/openvswitch/scripts/ovs-ctl";

    /// <summary>
    /// Restarts ovs-vswitchd (the switch; the database keeps running), as a crash or an upgrade
    /// would. With the userspace datapath this loses every flow and connection.
    /// </summary>
    public static void RestartSwitch()
    {
        Sh.Check(Ctl, "--no-ovsdb-server", "stop");
        Sh.Check(Ctl, "--no-ovsdb-server", "start", "--system-id=random");
    }

    /// <summary>
    /// <c>ovs-ctl restart</c> of ovs-vswitchd, as an upgrade does it: the flows are saved first and
    /// restored before forwarding resumes (<c>other_config:flow-restore-wait</c>). Returns how long
    /// the command took: Open vSwitch's own restart time.
    /// </summary>
    public static TimeSpan RestartSwitchKeepingFlows()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        Sh.Check(Ctl, "--no-ovsdb-server", "restart", "--system-id=random");
        return started.Elapsed;
    }
}
