using System.Net;
using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>servers:</c> the list, master first; names, addresses, ports and MACs are each unique.</summary>
internal sealed partial class ConfigReader
{
    private List<ServerConfig>? ReadServers(
        Section root,
        Placed<IPAddress>? vip,
        Placed<MacAddress>? vmac,
        Placed<(IPAddress Address, int Prefix)>? management)
    {
        YNode? node = root.Node("servers");
        if (node is null)
        {
            if (root.Valid)
            {
                Error(root.Pos, "servers", "required key missing: list the servers, the master first");
            }
            return null;
        }
        if (node is not YSequence seq)
        {
            Error(node.Pos, "servers", $"expected a list of servers, got {node.Describe()}");
            return null;
        }
        if (seq.Items.Count == 0)
        {
            Error(seq.Pos, "servers", "at least one server is required");
            return null;
        }
        if (seq.Items.Count > ConfigLimits.MaxServers)
        {
            Error(seq.Pos, "servers", $"at most {ConfigLimits.MaxServers} servers, got {seq.Items.Count}");
            return null;
        }
        if (seq.Items.Count == 1)
        {
            Warn(seq.Pos, "servers", "only one server is configured: there is nothing to fail over to");
        }

        var result = new List<ServerConfig>();
        bool allValid = true;
        var names = new FirstUse<string>(this, name => $"server name \"{name}\"", StringComparer.Ordinal);
        var addresses = new FirstUse<IPAddress>(this, address => $"address {address}");
        var ports = new FirstUse<uint>(this, port => $"port {port}");
        var macs = new FirstUse<MacAddress>(this, mac => $"MAC {mac}");
        for (int i = 0; i < seq.Items.Count; i++)
        {
            YNode item = seq.Items[i];
            string itemPath = $"servers[{i}]";
            if (item is not YMapping map)
            {
                Error(item.Pos, itemPath, $"expected a mapping with name, address and port, got {item.Describe()}");
                allValid = false;
                continue;
            }
            var sec = new Section(this, map, itemPath);

            string? name = sec.String("name", null, ServerNameProblem,
                $"a name of 1 to {ConfigLimits.MaxServerNameLength} characters from a-z, 0-9 and '-'");
            if (name is not null && !names.Claim(name, sec, "name", i))
            {
                name = null;
            }

            IPAddress? address = sec.Ipv4Address("address", required: true);
            if (address is not null && (!addresses.Claim(address, sec, "address", i) || !ServerAddressIsOwn(address, sec, vip, management)))
            {
                address = null;
            }

            uint? port = sec.UInt("port", required: true, 1, ConfigLimits.MaxServerPort);
            if (port is { } p && !ports.Claim(p, sec, "port", i))
            {
                port = null;
            }

            // Absent is fine (learned by ARP); given, it must be valid and a server's own.
            MacAddress? mac = null;
            bool macOk = true;
            if (sec.Node("mac") is { } macNode)
            {
                mac = sec.Mac("mac");
                macOk = mac is { } mv && macs.Claim(mv, sec, "mac", i) && ServerMacIsOwn(mv, macNode, sec, vmac);
            }

            if (name is null || address is null || port is null || !macOk)
            {
                allValid = false;
                continue;
            }
            result.Add(new ServerConfig(name, address, port.Value, mac));
        }
        return allValid ? result : null;
    }

    /// <summary>False (reported) when the address is the VIP's or the appliance's own; warns when outside the management subnet.</summary>
    private bool ServerAddressIsOwn(IPAddress address, Section sec, Placed<IPAddress>? vip, Placed<(IPAddress Address, int Prefix)>? management)
    {
        YNode at = sec.Node("address")!;
        string key = sec.KeyPath("address");
        if (vip is { } v && address.Equals(v.Value))
        {
            Error(at.Pos, key, $"{address} is the service VIP (service.vip, line {v.Node!.Pos.Line}); a server needs an address of its own");
            return false;
        }
        if (management is not { } m)
        {
            return true;
        }
        if (address.Equals(m.Value.Address))
        {
            string where = m.Node is null ? "the default bridge.management" : $"bridge.management, line {m.Node.Pos.Line}";
            Error(at.Pos, key, $"{address} is the appliance's management address ({where}); a server needs an address of its own");
            return false;
        }
        if (!Ipv4.SameSubnet(address, m.Value.Address, m.Value.Prefix))
        {
            Warn(at.Pos, key,
                $"{address} is outside the management subnet {Ipv4.Network(m.Value.Address, m.Value.Prefix)}/{m.Value.Prefix}; " +
                "health probes and ARP leave from the management address");
        }
        return true;
    }

    /// <summary>False (reported) when the MAC is the service's vmac.</summary>
    private bool ServerMacIsOwn(MacAddress mac, YNode at, Section sec, Placed<MacAddress>? vmac)
    {
        if (vmac is not { } v || v.Value != mac)
        {
            return true;
        }
        string where = v.Node is null ? "derived from the VIP" : $"line {v.Node.Pos.Line}";
        Error(at.Pos, sec.KeyPath("mac"), $"{mac} is the service vmac (service.vmac, {where}); a server needs a MAC of its own");
        return false;
    }

    private static string? ServerNameProblem(string s) =>
        s.Length == 0 ? "must not be empty"
        : ConfigLimits.IsServerName(s) ? null
        : "";

    /// <summary>A value that must differ between servers, remembering which server gave it first.</summary>
    private sealed class FirstUse<T>(ConfigReader reader, Func<T, string> describe, IEqualityComparer<T>? comparer = null)
        where T : notnull
    {
        private readonly Dictionary<T, (int Index, YNode Node)> first = new(comparer);

        /// <summary>True when <paramref name="value"/> (under <paramref name="key"/> of servers[<paramref name="index"/>]) is new; reported otherwise.</summary>
        public bool Claim(T value, Section server, string key, int index)
        {
            YNode at = server.Node(key)!;
            if (first.TryGetValue(value, out var earlier))
            {
                reader.Error(at.Pos, server.KeyPath(key), $"{describe(value)} is already used by servers[{earlier.Index}] (line {earlier.Node.Pos.Line})");
                return false;
            }
            first.Add(value, (index, at));
            return true;
        }
    }
}
