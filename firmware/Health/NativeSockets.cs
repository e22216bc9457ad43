using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Appliance.Health;

/// <summary>
/// Opens the sockets System.Net.Sockets cannot bind by itself (AF_PACKET to an interface, AF_NETLINK
/// to multicast groups) and hands them over as a <see cref="Socket"/>, so that reading and
/// writing them is asynchronous on the runtime's epoll loop like any other socket.
/// </summary>
internal static unsafe class NativeSockets
{
    /// <summary>A raw packet socket for one EtherType, bound to one interface (frames include the Ethernet header).</summary>
    public static Socket OpenPacket(int interfaceIndex, ushort etherType)
    {
        ushort protocol = (ushort)IPAddress.HostToNetworkOrder((short)etherType);
        int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, protocol);
        if (fd < 0) throw Failure("socket(AF_PACKET)");
        sockaddr_ll address = default;
        address.sll_family = (ushort)AF_PACKET;
        address.sll_protocol = protocol;
        address.sll_ifindex = interfaceIndex;
        if (bind(fd, (sockaddr*)&address, (uint)sizeof(sockaddr_ll)) < 0)
        {
            var error = Failure("bind(AF_PACKET)");
            close(fd);
            throw error;
        }
        return Adopt(fd);
    }

    /// <summary>A NETLINK_ROUTE socket subscribed to <paramref name="groups"/> (RTMGRP_* bits).</summary>
    public static Socket OpenRouteNetlink(uint groups, int receiveBufferBytes)
    {
        const int NetlinkRoute = 0;
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NetlinkRoute);
        if (fd < 0) throw Failure("socket(AF_NETLINK)");
        // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }
        // (Tmds.LibC has no type for it.) nl_pid 0: the kernel assigns one.
        byte* address = stackalloc byte[12];
        new Span<byte>(address, 12).Clear();
        *(ushort*)address = (ushort)AF_NETLINK;
        *(uint*)(address + 8) = groups;
        int size = receiveBufferBytes;
        // A burst of link changes must not overflow the socket (ENOBUFS loses events).
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(int));
        if (bind(fd, (sockaddr*)address, 12) < 0)
        {
            var error = Failure("bind(AF_NETLINK)");
            close(fd);
            throw error;
        }
        return Adopt(fd);
    }

    private static Socket Adopt(int fd)
    {
        try
        {
            return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch
        {
            close(fd);
            throw;
        }
    }

    private static IOException Failure(string call)
    {
        int error = errno;
        return new IOException($"{call} failed: {new Win32Exception(error).Message} (errno {error})");
    }
}
