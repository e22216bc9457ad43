using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Health;

/// <summary>
/// <c>arp</c>: the server's kernel answers an ARP request from the management address. Healthy
/// on a reply, whose sender MAC is reported in <see cref="ProbeOutcome.Mac"/>; "no ARP reply" when
/// the deadline passes. Says nothing about the service, only that the machine is up and reachable.
/// </summary>
/// <remarks>
/// After a reply, the next requests go unicast to that MAC (a poll, like the kernel's neighbour
/// probe) so that 50 probes a second are not flooded to every port; after a failed probe the next
/// one broadcasts again, so a replaced server (new MAC) is found within one probe.
/// </remarks>
public sealed class ArpProbe : IHealthProbe
{
    private readonly ArpResolver _resolver;
    private readonly bool _ownsResolver;
    private readonly ConcurrentDictionary<IPAddress, MacAddress> _known = new();

    public ArpProbe(ArpResolver resolver, bool ownsResolver = false)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolver = resolver;
        _ownsResolver = ownsResolver;
    }

    public ProbeKind Kind => ProbeKind.Arp;

    public async ValueTask<ProbeOutcome> ProbeAsync(ServerTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Address.AddressFamily != AddressFamily.InterNetwork)
        {
            return ProbeOutcome.Failure("the ARP probe needs an IPv4 address", TimeSpan.Zero);
        }
        long started = Stopwatch.GetTimestamp();
        MacAddress? known = _known.TryGetValue(target.Address, out var mac) ? mac : null;
        try
        {
            var answer = await _resolver.RequestAsync(target.Address, known, cancellationToken).ConfigureAwait(false);
            _known[target.Address] = answer;
            return ProbeOutcome.Success($"ARP reply from {answer}", Stopwatch.GetElapsedTime(started), answer);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _known.TryRemove(target.Address, out _);
            return ProbeOutcome.Failure(ProbeDetails.NoArpReply, Stopwatch.GetElapsedTime(started));
        }
        catch (SocketException e)
        {
            _known.TryRemove(target.Address, out _);
            return ProbeOutcome.Failure(ProbeConnection.Describe(e), Stopwatch.GetElapsedTime(started));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsResolver) await _resolver.DisposeAsync().ConfigureAwait(false);
    }
}
