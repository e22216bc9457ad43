using System.Net;
using System.Net.Sockets;

namespace Appliance.Switch;

/// <summary>
/// The file of a listening unix socket. Nothing but a socket this firmware made is ever removed:
/// at start only a dead socket in the way (one nobody listens on: an earlier run that was killed),
/// at stop only if the path still names the very socket we bound.
/// </summary>
internal sealed class UnixSocketFile
{
    private readonly FileIdentity _bound;

    private UnixSocketFile(string path, FileIdentity bound)
    {
        Path = path;
        _bound = bound;
    }

    public string Path { get; }

    /// <summary>Binds <paramref name="socket"/> at <paramref name="path"/>, first clearing a dead socket left there.</summary>
    /// <exception cref="IOException">Something other than a dead socket is at the path; it is left alone.</exception>
    public static UnixSocketFile Bind(Socket socket, string path)
    {
        ClearDeadSocket(path);
        try
        {
            socket.Bind(new KeptPathEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new IOException($"cannot create {path}: {e.Message}; the firmware's user must be able to write to {System.IO.Path.GetDirectoryName(path)} " +
                "(under appliance.service that is /var/run/openvswitch/appliance/)", e);
        }
        var bound = FileIdentity.Of(path) ?? throw new IOException($"{path} vanished as soon as it was bound");
        return new UnixSocketFile(path, bound);
    }

    /// <summary>Removes the socket file if the path still names the one we bound; anything else is someone else's.</summary>
    public void Remove()
    {
        if (FileIdentity.Of(Path) is { IsSocket: true } now && now.IsSameFile(_bound)) File.Delete(Path);
    }

    private static void ClearDeadSocket(string path)
    {
        if (FileIdentity.Of(path) is not { } found) return;
        if (!found.IsSocket) throw new IOException($"{path} exists and is not a socket; not touching it");
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false })
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"another process listens on {path}");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // Nobody listens: the socket of an earlier run that did not get to remove it.
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                throw new IOException($"another process listens on {path} (its queue is full)");
            }
            catch (SocketException e)
            {
                throw new IOException($"cannot tell whether {path} is in use ({e.Message}); not touching it");
            }
        }
        // Only the file we examined: if it was replaced meanwhile, the new one is not ours to remove.
        if (FileIdentity.Of(path) is { } again && again.IsSameFile(found)) File.Delete(path);
    }

    /// <summary>
    /// A unix socket address that <see cref="Socket"/> does not know as one: binding a
    /// <see cref="UnixDomainSocketEndPoint"/> makes <see cref="Socket.Dispose()"/> delete the path,
    /// whatever file is there by then. With this one, removal is ours to decide.
    /// </summary>
    private sealed class KeptPathEndPoint(string path) : EndPoint
    {
        private readonly UnixDomainSocketEndPoint _address = new(path);

        public override AddressFamily AddressFamily => AddressFamily.Unix;

        public override SocketAddress Serialize() => _address.Serialize();

        public override EndPoint Create(SocketAddress socketAddress) => _address.Create(socketAddress);

        public override string ToString() => _address.ToString();
    }
}
