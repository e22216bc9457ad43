using System.Net;
using Appliance.Policy;

namespace Appliance.Pipeline;

/// <summary>
/// What a box of a pair that just became active sends (docs/pair.md): gratuitous ARP for the VIP
/// from the VIP's MAC, flooded by the switch, so that the office switch relearns on which port the
/// VIP's MAC now is. The clients' ARP caches need nothing: both boxes use the same MAC.
/// </summary>
public static class GratuitousArp
{
    /// <summary>How many copies go out at once: one lost frame must not leave the office switch pointing at the dead box.</summary>
    public const int Copies = 2;

    /// <summary>
    /// When the announcement goes out again after a takeover (from the takeover). The first one can
    /// be undone: in the pair lab (Open vSwitch as the office switch) about one takeover in ten left
    /// the office switch sending the VIP's traffic to the dead box's port, because it learned the
    /// dead box's last frames, sent before the announcement, only after it; and a dead box's links
    /// need not all go at once. keepalived repeats its own for the same reasons (garp_master_delay).
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> RepeatAfter =
        [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(600),
         TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    /// <summary>
    /// After the repeats, the active box of a pair announces again this often for as long as it is
    /// active (keepalived's garp_master_refresh): a returning box that was active for a few ms by
    /// mistake announced the VIP as its own, and once it stood by again nothing moved the office
    /// switch back (pair lab: the VIP silent until the client's ARP cache went stale). This bounds
    /// any such silence to one period, for two broadcast frames a second.
    /// </summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    /// <summary>The packet-outs to send with the first rules of an active box that was standby; none otherwise.</summary>
    public static IReadOnlyList<IOfpMessage> OnTakeover(DesiredSwitchState? before, DesiredSwitchState now, IPAddress vip, MacAddress vmac)
    {
        if (before is not { Standby: true } || now.Standby) return [];
        return Packets(vip, vmac);
    }

    /// <summary>One announcement: <see cref="Copies"/> packet-outs of <see cref="Frame"/>, flooded.</summary>
    public static IReadOnlyList<IOfpMessage> Packets(IPAddress vip, MacAddress vmac)
    {
        var frame = Frame(vip, vmac);
        var flood = ActionList.Of(new OutputAction(OfpPort.Flood));
        return [.. Enumerable.Range(0, Copies).Select(_ => (IOfpMessage)PacketOut.Of(frame, flood))];
    }

    /// <summary>An ARP request from <paramref name="vmac"/> for <paramref name="vip"/> itself, broadcast, padded to 60 bytes.</summary>
    public static byte[] Frame(IPAddress vip, MacAddress vmac)
    {
        var frame = new byte[60];
        var mac = vmac.ToBytes();
        var ip = vip.GetAddressBytes();
        MacAddress.Broadcast.ToBytes().CopyTo(frame, 0);
        mac.CopyTo(frame, 6);
        frame[12] = 0x08; frame[13] = 0x06;          // ARP
        frame[14] = 0x00; frame[15] = 0x01;          // Ethernet
        frame[16] = 0x08; frame[17] = 0x00;          // IPv4
        frame[18] = 6; frame[19] = 4;
        frame[20] = 0x00; frame[21] = 0x01;          // request: what Linux sends as gratuitous ARP
        mac.CopyTo(frame, 22);
        ip.CopyTo(frame, 28);
        // Target MAC zero, target address the VIP itself.
        ip.CopyTo(frame, 38);
        return frame;
    }
}
