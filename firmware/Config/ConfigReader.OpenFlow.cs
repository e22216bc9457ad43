using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>openflow:</c> where the firmware listens for the switch.</summary>
internal sealed partial class ConfigReader
{
    private OpenFlowConfig? ReadOpenFlow(Section root)
    {
        Section openflow = root.Child("openflow");
        OpenFlowEndpoint? listen = openflow.Parsed<OpenFlowEndpoint>("listen", ConfigDefaults.OpenFlowListen,
            "tcp:IP:PORT or unix:/absolute/path", (string s, out OpenFlowEndpoint? v, out string? e) => OpenFlowEndpoint.TryParse(s, out v, out e));
        bool? allowRemote = openflow.Bool("allow_remote", ConfigDefaults.AllowRemote);
        if (listen is UnixEndpoint unix && !unix.Path.StartsWith("/var/run/openvswitch/", StringComparison.Ordinal) && !unix.Path.StartsWith("/run/openvswitch/", StringComparison.Ordinal))
        {
            // ovs-vswitchd refuses unix: controllers outside its run directory, and only logs it.
            YNode? at = openflow.Node("listen");
            Error(at?.Pos ?? openflow.Pos, openflow.KeyPath("listen"),
                $"Open vSwitch connects only to unix sockets under /var/run/openvswitch/, got \"{unix.Path}\" (e.g. unix:/var/run/openvswitch/appliance.sock)");
        }
        if (listen is TcpEndpoint { IsLoopback: false } tcp && allowRemote == false)
        {
            YNode? at = openflow.Node("listen");
            Error(at?.Pos ?? openflow.Pos, openflow.KeyPath("listen"),
                $"{tcp} is not a loopback address and the switch's OpenFlow channel would be reachable from the network; " +
                "set openflow.allow_remote: true to allow it");
        }
        return listen is null || allowRemote is null ? null : new OpenFlowConfig(listen, allowRemote.Value);
    }
}
