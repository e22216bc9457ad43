using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Appliance.Health;

/// <summary>Makes the configured probe.</summary>
public static class HealthProbes
{
    /// <summary>
    /// The probe <c>health.probe</c> asks for, leaving from the management address; null for
    /// <c>link</c>, whose only signal is the port's link state.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Something the probe needs is missing (the management interface or address), with a message
    /// for the operator.
    /// </exception>
    /// <param name="arp">The firmware's ARP resolver, shared by the arp probe; one is opened when null.</param>
    public static IHealthProbe? Create(HealthConfig health, BridgeConfig bridge, ILoggerFactory loggers, ArpResolver? arp = null)
    {
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(bridge);
        ArgumentNullException.ThrowIfNull(loggers);
        if (health.Probe == ProbeKind.Link) return null;
        CheckManagementAddress(bridge.ManagementAddress);
        try
        {
            return health.Probe switch
            {
                ProbeKind.Tcp => new TcpProbe(bridge.ManagementAddress, health.Port),
                ProbeKind.Http => new HttpProbe(bridge.ManagementAddress, health.Port, health.Path),
                ProbeKind.Icmp => IcmpProbe.Open(bridge.ManagementAddress, loggers.CreateLogger<IcmpProbe>()),
                ProbeKind.Arp => arp is not null
                    ? new ArpProbe(arp, ownsResolver: false)
                    : new ArpProbe(ArpResolver.Open(bridge.Name, bridge.ManagementAddress, loggers.CreateLogger<ArpResolver>()), ownsResolver: true),
                _ => throw new ArgumentOutOfRangeException(nameof(health), health.Probe, "unknown probe kind"),
            };
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new InvalidOperationException($"cannot open the {health.Probe.ToString().ToLowerInvariant()} probe on {bridge.Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Probes leave from the management address; when the bridge's internal port does not hold it
    /// (the box was set up wrongly) every probe would fail, so say so once, clearly, at start-up.
    /// </summary>
    private static void CheckManagementAddress(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, 0));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw new InvalidOperationException($"the management address {address} is not configured on this machine (health probes leave from it)", e);
        }
    }
}
