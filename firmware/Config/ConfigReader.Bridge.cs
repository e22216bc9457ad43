using System.Globalization;
using System.Net;
using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>bridge:</c> the OVS bridge and the appliance's management address.</summary>
internal sealed partial class ConfigReader
{
    private static readonly (string Name, DatapathType Value)[] DatapathNames = [("system", DatapathType.System), ("netdev", DatapathType.Netdev)];

    /// <param name="management">Also what the VIP, the servers and the API address are checked against.</param>
    private BridgeConfig? ReadBridge(Section root, out Placed<(IPAddress Address, int Prefix)>? management)
    {
        Section bridge = root.Child("bridge");
        string? name = bridge.String("name", ConfigDefaults.BridgeName, BridgeNameProblem,
            $"a network interface name of 1 to {ConfigLimits.MaxBridgeNameLength} characters without spaces, '/' or ':'");
        DatapathType? datapath = bridge.Enum("datapath", ConfigDefaults.Datapath, DatapathNames);
        management = ReadManagement(bridge);
        return name is null || datapath is null || management is not { Value: var m }
            ? null
            : new BridgeConfig(name, datapath.Value, m.Address, m.Prefix);
    }

    private Placed<(IPAddress Address, int Prefix)>? ReadManagement(Section bridge)
    {
        const string Expected = "an IPv4 address with prefix length, e.g. 10.0.0.6/24";
        if (!bridge.TryScalar("management", Expected, out YScalar? s, out bool present))
        {
            return present ? null : new((ConfigDefaults.ManagementAddress, ConfigDefaults.ManagementPrefixLength), null);
        }
        string key = bridge.KeyPath("management");
        string text = s.Value;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addrText = slash < 0 ? text : text[..slash];
        if (Ipv4.LooksLikeIpv6(addrText))
        {
            Error(s.Pos, key, $"IPv6 is not supported here: expected {Expected}, got {s.Describe()}");
            return null;
        }
        if (slash < 0)
        {
            Error(s.Pos, key, $"expected {Expected}, got {s.Describe()}: the /prefix length is missing");
            return null;
        }
        if (!Ipv4.TryParseStrict(addrText, out IPAddress? address))
        {
            Error(s.Pos, key, $"expected {Expected}, got {s.Describe()}");
            return null;
        }
        string prefixText = text[(slash + 1)..];
        if (prefixText.Length is 0 or > 2 || !prefixText.All(char.IsAsciiDigit)
            || int.Parse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture) is < 1 or > 32)
        {
            Error(s.Pos, key, $"the prefix length must be an integer from 1 to 32, got \"{YScalar.Quote(prefixText)}\"");
            return null;
        }
        int prefix = int.Parse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture);
        if (Ipv4.UnusableReason(address) is { } why)
        {
            Error(s.Pos, key, why);
            return null;
        }
        if (prefix <= 30)
        {
            uint host = Ipv4.ToUInt32(address) & ~Ipv4.Mask(prefix);
            if (host == 0)
            {
                Error(s.Pos, key, $"{address} is the network address of {Ipv4.Network(address, prefix)}/{prefix}, not a host address");
                return null;
            }
            if (host == ~Ipv4.Mask(prefix))
            {
                Error(s.Pos, key, $"{address} is the broadcast address of {Ipv4.Network(address, prefix)}/{prefix}, not a host address");
                return null;
            }
        }
        return new((address, prefix), s);
    }

    private static string? BridgeNameProblem(string s)
    {
        if (s.Length == 0)
        {
            return "must not be empty";
        }
        if (System.Text.Encoding.UTF8.GetByteCount(s) > ConfigLimits.MaxBridgeNameLength)
        {
            return $"is longer than {ConfigLimits.MaxBridgeNameLength} bytes (the Linux interface name limit)";
        }
        if (s is "." or ".." || s.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return ""; // the caller's generic "expected …, got …" message
        }
        return null;
    }
}
