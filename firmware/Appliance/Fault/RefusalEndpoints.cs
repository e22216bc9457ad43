using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Appliance.Config;

namespace Appliance.Fault;

/// <summary>
/// Where <c>appliance fault</c> serves the refusal, best first: <c>api.listen</c> when that part of
/// the file reads, else the management address in it (on port 80); then the addresses the bridge
/// has now (the bridge named in the file, else br0), where appliance-bridge put the address it could
/// use, on the same port.
/// </summary>
internal static class RefusalEndpoints
{
    public static IReadOnlyList<IPEndPoint> For(ConfigParts parts, Func<string, IReadOnlyList<IPAddress>> addressesOf)
    {
        var port = parts.Api?.Listen.Port ?? ConfigDefaults.ApiPort;
        var endpoints = new List<IPEndPoint>();
        if (parts.Api is { } api) endpoints.Add(api.Listen);
        else if (parts.Bridge is { } bridge) endpoints.Add(new IPEndPoint(bridge.ManagementAddress, port));
        foreach (var address in addressesOf(parts.Bridge?.Name ?? ConfigDefaults.BridgeName))
        {
            var endpoint = new IPEndPoint(address, port);
            if (!endpoints.Contains(endpoint)) endpoints.Add(endpoint);
        }
        return endpoints;
    }

    /// <summary>The IPv4 addresses interface <paramref name="name"/> has now; none when there is no such interface (or no telling).</summary>
    public static IReadOnlyList<IPAddress> AddressesOf(string name)
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.Name == name)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork)];
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
