using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>time:</c> where the box's clock comes from.</summary>
internal sealed partial class ConfigReader
{
    private TimeConfig? ReadTime(Section root)
    {
        Section time = root.Child("time");
        string key = time.KeyPath("ntp");
        switch (time.Node("ntp"))
        {
            case null or YScalar { IsNull: true }:
                return TimeConfig.Default;
            case YScalar { Value: "dhcp" }:
                return TimeConfig.Default;
            case YSequence seq when seq.Items.Count > TimeConfig.MaxServers:
                Error(seq.Pos, key, $"at most {TimeConfig.MaxServers} servers, got {seq.Items.Count}");
                return null;
            case YSequence seq:
                List<string>? servers = HostnameList(seq, key, "an NTP server's host name such as ntp.office.example, or an IP address");
                return servers is null ? null
                    : servers.Count == 0 ? TimeConfig.Default
                    : new TimeConfig(servers);
            case YNode other:
                Error(other.Pos, key, $"expected dhcp or a list of NTP servers, e.g. [ntp.office.example], got {other.Describe()}");
                return null;
        }
    }
}
