using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Appliance.Switch;

/// <summary>Who is at the other end of an accepted connection, as far as the kernel tells.</summary>
/// <param name="Uid">The peer process's user, when known.</param>
/// <param name="Pid">Its process id (unix sockets only).</param>
/// <param name="Remote">The peer is on another host (a TCP connection not in this host's table).</param>
internal readonly record struct PeerIdentity(uint? Uid, int? Pid, bool Remote)
{
    public override string ToString() => Remote ? "a remote host"
        : Uid is not { } uid ? "an unknown local process"
        : Pid is { } pid ? $"uid {uid} (pid {pid})"
        : $"uid {uid}";
}

/// <summary>
/// The check at accept: the switch is Open vSwitch, which runs as root (or as its own user), so a
/// local process of any other user must not become our switch. For unix sockets the kernel
/// names the peer (SO_PEERCRED); for TCP over loopback, the peer's socket is in
/// <c>/proc/net/tcp</c> with its owner. A peer on another host cannot be checked this way; it
/// only gets here when <c>openflow.allow_remote</c> lets the listener face the network.
/// </summary>
internal sealed class PeerOwner(string ovsRunDirectory)
{
    /// <summary>Where Open vSwitch keeps its sockets and pid files; its daemons' user owns them.</summary>
    public const string OvsRunDirectory = "/var/run/openvswitch";

    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerIdentity Identify(Socket connection)
    {
        if (connection.AddressFamily == AddressFamily.Unix)
        {
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; } in the machine's byte order.
            Span<byte> credentials = stackalloc byte[12];
            try
            {
                if (connection.GetRawSocketOption(SolSocket, SoPeerCred, credentials) < 12) return new PeerIdentity(null, null, false);
            }
            catch (SocketException)
            {
                return new PeerIdentity(null, null, false);
            }
            return new PeerIdentity(MemoryMarshal.Read<uint>(credentials[4..]), MemoryMarshal.Read<int>(credentials), false);
        }
        if (connection.LocalEndPoint is not IPEndPoint local || connection.RemoteEndPoint is not IPEndPoint remote) return new PeerIdentity(null, null, false);
        (local, remote) = (Unmapped(local), Unmapped(remote));
        // The peer's socket has the two addresses the other way round.
        if (ProcNetTcp.FindOwner(ProcNetTcp.Read(remote.AddressFamily), remote, local) is { } owner) return new PeerIdentity(owner, null, false);
        return new PeerIdentity(null, null, Remote: !IPAddress.IsLoopback(remote.Address));
    }

    /// <summary>Root, or the user Open vSwitch runs as (the owner of ovs-vswitchd's pid file).</summary>
    public bool IsAllowed(PeerIdentity peer) => peer.Remote || peer.Uid is { } uid && (uid == 0 || uid == OvsUid());

    private uint? OvsUid()
    {
        try
        {
            return FileIdentity.Of(Path.Combine(ovsRunDirectory, "ovs-vswitchd.pid"))?.Uid;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static IPEndPoint Unmapped(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
