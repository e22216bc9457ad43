using System.Buffers.Binary;
using System.Text;

namespace Appliance.Health;

/// <summary>
/// The little of rtnetlink (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h) that link
/// monitoring needs: the link dump request, and RTM_NEWLINK / RTM_DELLINK messages. Native byte
/// order throughout, as netlink is.
/// </summary>
internal static class RouteNetlink
{
    public const uint GroupLink = 1; // RTMGRP_LINK

    private const ushort NlmsgNoop = 1;
    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort RtmNewLink = 16;
    private const ushort RtmDelLink = 17;
    private const ushort RtmGetLink = 18;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300; // NLM_F_ROOT | NLM_F_MATCH
    private const ushort IflaIfname = 3;
    private const ushort IflaOperstate = 16;
    private const int HeaderLength = 16;   // struct nlmsghdr
    private const int IfinfoLength = 16;   // struct ifinfomsg

    public const uint IffUp = 0x1;
    public const uint IffLowerUp = 0x10000;

    /// <summary>RTM_GETLINK with NLM_F_DUMP: every interface, answered as RTM_NEWLINK messages and NLMSG_DONE.</summary>
    public static byte[] DumpRequest(uint sequence)
    {
        var message = new byte[HeaderLength + IfinfoLength];
        var span = message.AsSpan();
        BitConverter.TryWriteBytes(span, (uint)message.Length);
        BitConverter.TryWriteBytes(span[4..], RtmGetLink);
        BitConverter.TryWriteBytes(span[6..], (ushort)(NlmFRequest | NlmFDump));
        BitConverter.TryWriteBytes(span[8..], sequence);
        // nlmsg_pid 0 and an all-zero ifinfomsg: address family 0 asks for every interface.
        return message;
    }

    /// <summary>Calls <paramref name="onMessage"/> for every message in one datagram; false when it is malformed.</summary>
    public static bool Parse(ReadOnlySpan<byte> datagram, LinkMessageHandler onMessage)
    {
        while (datagram.Length >= HeaderLength)
        {
            int length = (int)BitConverter.ToUInt32(datagram);
            if (length < HeaderLength || length > datagram.Length) return false;
            ushort type = BitConverter.ToUInt16(datagram[4..]);
            uint sequence = BitConverter.ToUInt32(datagram[8..]);
            var body = datagram[HeaderLength..length];
            switch (type)
            {
                case NlmsgDone:
                    onMessage(new LinkMessage(LinkMessageKind.DumpDone, sequence, 0, 0, null, 0));
                    break;
                case NlmsgError:
                    int error = body.Length >= 4 ? BitConverter.ToInt32(body) : 0;
                    onMessage(new LinkMessage(LinkMessageKind.Error, sequence, -error, 0, null, 0));
                    break;
                case RtmNewLink or RtmDelLink when body.Length >= IfinfoLength:
                    int index = BitConverter.ToInt32(body[4..]);
                    uint flags = BitConverter.ToUInt32(body[8..]);
                    ReadAttributes(body[IfinfoLength..], out string? name, out byte operState);
                    var kind = type == RtmNewLink ? LinkMessageKind.Link : LinkMessageKind.Deleted;
                    onMessage(new LinkMessage(kind, sequence, index, flags, name, operState));
                    break;
                case NlmsgNoop:
                default:
                    break;
            }
            int aligned = Align(length);
            if (aligned >= datagram.Length) break;
            datagram = datagram[aligned..];
        }
        return true;
    }

    private static void ReadAttributes(ReadOnlySpan<byte> attributes, out string? name, out byte operState)
    {
        name = null;
        operState = 0;
        while (attributes.Length >= 4)
        {
            int length = BitConverter.ToUInt16(attributes);
            ushort type = (ushort)(BitConverter.ToUInt16(attributes[2..]) & 0x3fff); // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
            if (length < 4 || length > attributes.Length) return;
            var value = attributes[4..length];
            if (type == IflaIfname)
            {
                int end = value.IndexOf((byte)0);
                name = Encoding.UTF8.GetString(end >= 0 ? value[..end] : value);
            }
            else if (type == IflaOperstate && value.Length >= 1)
            {
                operState = value[0];
            }
            int aligned = Align(length);
            if (aligned >= attributes.Length) return;
            attributes = attributes[aligned..];
        }
    }

    private static int Align(int length) => (length + 3) & ~3;

    internal delegate void LinkMessageHandler(in LinkMessage message);
}

internal enum LinkMessageKind
{
    Link,
    Deleted,
    DumpDone,
    Error,
}

/// <summary>One rtnetlink message about a link. <see cref="Index"/> holds the errno for <see cref="LinkMessageKind.Error"/>.</summary>
internal readonly record struct LinkMessage(LinkMessageKind Kind, uint Sequence, int Index, uint Flags, string? Name, byte OperState)
{
    /// <summary>Administratively up and with carrier: the port can carry traffic.</summary>
    public bool IsUp => Kind == LinkMessageKind.Link && (Flags & RouteNetlink.IffUp) != 0 && (Flags & RouteNetlink.IffLowerUp) != 0;

    /// <summary>Words for the event log.</summary>
    public string State => Kind switch
    {
        LinkMessageKind.Deleted => LinkStates.Absent,
        _ when (Flags & RouteNetlink.IffUp) == 0 => LinkStates.AdminDown,
        _ when (Flags & RouteNetlink.IffLowerUp) == 0 => LinkStates.NoCarrier,
        _ => LinkStates.Up,
    };
}

/// <summary>The words <see cref="LinkEvent.State"/> uses.</summary>
public static class LinkStates
{
    public const string Up = "up";
    public const string NoCarrier = "no carrier";
    public const string AdminDown = "administratively down";
    public const string Absent = "absent";
}
