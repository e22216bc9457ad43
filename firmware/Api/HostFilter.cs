using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Appliance.Config;
using Appliance.Net;

namespace Appliance.Api;

/// <summary>
/// Which <c>Host</c> headers the API answers (docs/api.md#access). A web page in the office can point a name of its
/// own at the box's address (DNS rebinding) and, the browser taking the box for that page's site, read the status;
/// the browser then sends the page's name as Host. So the API answers only its own addresses and the names in
/// <c>api.hostnames</c>, with any port, in any case.
/// </summary>
public sealed class HostFilter
{
    private readonly HashSet<IPAddress> _addresses;
    private readonly HashSet<string> _names;

    /// <param name="addresses">The addresses a request may name (the listen and management addresses).</param>
    /// <param name="names">Host names, or more addresses, as <c>api.hostnames</c> gives them.</param>
    public HostFilter(IEnumerable<IPAddress> addresses, IEnumerable<string> names)
    {
        _addresses = [.. addresses.Select(Canonical)];
        _names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (TryParse(name, out string? host, out IPAddress? address))
            {
                if (address is not null) _addresses.Add(address);
                else _names.Add(host!);
            }
        }
        string[] shown = [.. _addresses.Select(a => a.ToString()), .. _names];
        Refusal = $"this appliance answers only to {string.Join(", ", shown)}: another name may be a web page's that "
            + "points it at the box (DNS rebinding). To reach the box by a name of yours, add it to api.hostnames";
    }

    /// <summary>The API's filter for <paramref name="config"/>: api.listen's and the management address, and api.hostnames.</summary>
    public static HostFilter For(ApplianceConfig config) =>
        new([config.Api.Listen.Address, config.Bridge.ManagementAddress], config.Api.Hostnames);

    /// <summary>What a refused request is told.</summary>
    public string Refusal { get; }

    /// <summary>
    /// Whether a request with this <c>Host</c> header is for the box. No Host at all is (HTTP/1.0: browsers always
    /// send one, so it is not a rebinding); a Host that is not a valid host[:port] is not.
    /// </summary>
    public bool Accepts(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return true;
        }
        if (!TryParse(host, out string? name, out IPAddress? address))
        {
            return false;
        }
        return address is not null ? _addresses.Contains(address) : _names.Contains(name!);
    }

    /// <summary>
    /// A Host value (<c>name</c>, <c>name:port</c>, <c>a.b.c.d[:port]</c>, <c>[v6][:port]</c>) as a canonical address or a
    /// lower-case name without a final dot; the port is checked, not kept.
    /// </summary>
    private static bool TryParse(string text, out string? name, out IPAddress? address)
    {
        name = null;
        address = null;
        ReadOnlySpan<char> host = text;
        ReadOnlySpan<char> port = [];
        bool hasPort;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            if (close < 0) return false;
            hasPort = host.Length > close + 1;
            if (hasPort && host[close + 1] != ':') return false;
            port = hasPort ? host[(close + 2)..] : [];
            if (!IPAddress.TryParse(host[1..close], out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6) return false;
            address = Canonical(v6);
        }
        else
        {
            int colon = host.IndexOf(':');
            hasPort = colon >= 0;
            if (hasPort)
            {
                port = host[(colon + 1)..];
                host = host[..colon];
            }
            if (Ipv4.TryParseStrict(host.ToString(), out IPAddress? v4))
            {
                address = v4;
            }
            else if (IPAddress.TryParse(text, out IPAddress? bare) && bare.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // An IPv6 address without brackets: only from api.hostnames (a Host header has them).
                address = Canonical(bare);
                return true;
            }
            else
            {
                if (host.IsEmpty) return false;
                name = (host.EndsWith('.') ? host[..^1] : host).ToString().ToLowerInvariant();
            }
        }
        return !hasPort || (port.Length is > 0 and <= 5 && port.IndexOfAnyExceptInRange('0', '9') < 0
            && int.Parse(port, NumberStyles.None, CultureInfo.InvariantCulture) <= 65535);
    }

    /// <summary>One form per address: an IPv4-mapped IPv6 address is the IPv4 one, and a zone (<c>%eth0</c>) is dropped.</summary>
    private static IPAddress Canonical(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4()
        : address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes())
        : address;
}
