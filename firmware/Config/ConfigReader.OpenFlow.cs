using System.Globalization;
using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>openflow:</c> where the firmware listens for the switch, and which datapath may connect.</summary>
internal sealed partial class ConfigReader
{
    /// <summary>ovs-vswitchd 3.1 compares this text, not the directory, and only logs a refusal.</summary>
    private const string OvsRunDirectory = "/var/run/openvswitch/";

    private OpenFlowConfig? ReadOpenFlow(Section root)
    {
        Section openflow = root.Child("openflow");
        OpenFlowEndpoint? listen = openflow.Parsed<OpenFlowEndpoint>("listen", ConfigDefaults.OpenFlowListen,
            "tcp:IP:PORT or unix:/absolute/path", (string s, out OpenFlowEndpoint? v, out string? e) => OpenFlowEndpoint.TryParse(s, out v, out e));
        bool? allowRemote = openflow.Bool("allow_remote", ConfigDefaults.AllowRemote);
        string? datapathText = openflow.String("datapath_id", ConfigDefaults.DatapathIdText, DatapathIdProblem, "auto or 16 hex digits");
        if (listen is UnixEndpoint unix && !unix.Path.StartsWith(OvsRunDirectory, StringComparison.Ordinal))
        {
            YNode? at = openflow.Node("listen");
            Error(at?.Pos ?? openflow.Pos, openflow.KeyPath("listen"), unix.Path.StartsWith("/run/openvswitch/", StringComparison.Ordinal)
                ? $"Open vSwitch 3.1 connects to a unix: controller only when its path starts literally with {OvsRunDirectory} " +
                  $"(/run/openvswitch/ is the same directory, but Open vSwitch refuses that spelling), got \"{unix.Path}\"; use unix:/var{unix.Path}"
                : $"Open vSwitch 3.1 connects to a unix: controller only when its path starts literally with {OvsRunDirectory}, " +
                  $"got \"{unix.Path}\" (on the box: unix:{OvsRunDirectory}appliance/openflow.sock)");
        }
        if (listen is TcpEndpoint { IsLoopback: false } tcp && allowRemote == false)
        {
            YNode? at = openflow.Node("listen");
            Error(at?.Pos ?? openflow.Pos, openflow.KeyPath("listen"),
                $"{tcp} is not a loopback address and the switch's OpenFlow channel would be reachable from the network; " +
                "set openflow.allow_remote: true to allow it");
        }
        return listen is null || allowRemote is null || datapathText is null
            ? null
            : new OpenFlowConfig(listen, allowRemote.Value, ParseDatapathId(datapathText));
    }

    /// <summary>Null for <c>auto</c>, else the ID (already validated by <see cref="DatapathIdProblem"/>).</summary>
    private static ulong? ParseDatapathId(string text) =>
        string.Equals(text, ConfigDefaults.DatapathIdText, StringComparison.OrdinalIgnoreCase)
            ? null
            : ulong.Parse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    private static string? DatapathIdProblem(string text) =>
        string.Equals(text, ConfigDefaults.DatapathIdText, StringComparison.OrdinalIgnoreCase) || (text.Length == 16 && text.All(char.IsAsciiHexDigit))
            ? null
            : "expected auto or the bridge's datapath ID as 16 hex digits (as `ovs-vsctl get bridge NAME datapath_id` prints it), " +
              $"got \"{YScalar.Quote(text)}\"";
}
