using System.Net;
using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>service:</c> the VIP, its MAC and how traffic reaches the servers.</summary>
internal sealed partial class ConfigReader
{
    private static readonly (string Name, ServiceMode Value)[] ModeNames = [("nat", ServiceMode.Nat), ("dsr", ServiceMode.Dsr)];

    /// <param name="vip">Also what the servers' addresses are checked against.</param>
    /// <param name="vmac">Also what the servers' MACs are checked against; without a node when derived from the VIP.</param>
    private ServiceConfig? ReadService(
        Section root,
        Placed<(IPAddress Address, int Prefix)>? management,
        out Placed<IPAddress>? vip,
        out Placed<MacAddress>? vmac)
    {
        Section service = root.Child("service", required: true);
        IPAddress? address = service.Ipv4Address("vip", required: true);
        vip = address is null ? null : new(address, service.Node("vip"));
        YNode? vmacNode = service.Node("vmac");
        MacAddress? mac = vmacNode is not null ? service.Mac("vmac")
            : address is not null ? ServiceConfig.DefaultVmacFor(address)
            : null;
        vmac = mac is { } m ? new(m, vmacNode) : null;
        ServiceMode? mode = service.Enum("mode", ConfigDefaults.Mode, ModeNames);
        int? zone = service.Int("conntrack_zone", ConfigDefaults.ConntrackZone, 1, ConfigLimits.MaxConntrackZone);
        // "off" leaves the datapath's own setting alone; zero would mean the same to Open vSwitch, but reads like "nothing allowed".
        int? limit = service.Node("conntrack_limit") is YScalar { Value: "off" } ? 0
            : service.Int("conntrack_limit", ConfigDefaults.ConntrackLimit, 1, ConfigLimits.MaxConntrackLimit);
        if (vip is { } v && management is { } mg && v.Value.Equals(mg.Value.Address))
        {
            Error(v.Node!.Pos, service.KeyPath("vip"),
                $"{v.Value} is the appliance's management address (bridge.management); the VIP needs an address of its own");
        }
        return address is null || mac is null || mode is null || zone is null || limit is null ? null
            : new ServiceConfig(address, mac.Value, mode.Value) { ConntrackZone = (ushort)zone.Value, ConntrackLimit = limit.Value };
    }
}
