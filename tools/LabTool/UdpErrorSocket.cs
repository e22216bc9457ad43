using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace LabTool;

/// <summary>
/// A UDP socket that sends to one target and also reads the ICMP errors sent back, from its error
/// queue (IP_RECVERR, recvmsg with MSG_ERRQUEUE). Each error carries the offending datagram's payload
/// as the ICMP message quoted it, so the sender learns which datagram was refused. A plain UDP socket
/// never learns of them: Linux reports ICMP errors on an unconnected socket only with IP_RECVERR.
///
/// With IP_RECVERR the kernel also sets the socket's pending error, which the next send or receive
/// returns (ECONNREFUSED, EHOSTUNREACH) instead of doing its work. So sending, receiving and waiting
/// go straight to libc and report errno rather than throw: the first exception a process throws
/// costs it 15-20 ms (seen here as a sender stall at the first refusal), and a refused datagram must
/// not stall the stream. A send failed so is retried (the error is cleared by then).
///
/// No allocation per datagram: the message header, addresses, payload and control buffers are
/// pinned once (pinned object heap) and reused. 64-bit Linux layouts (struct msghdr, sockaddr_in,
/// cmsghdr, sock_extended_err).
/// </summary>
sealed class UdpErrorSocket
{
    const int SolIp = 0;
    const int IpRecverr = 11;
    const int MsgDontwait = 0x40;
    const int EConnRefused = 111, EHostUnreach = 113;
    const int MsgErrqueue = 0x2000;
    const short PollIn = 0x1;
    const short PollErr = 0x8;
    const byte SoEeOriginIcmp = 2;

    /// <summary>ICMP type "destination unreachable" and the codes that mean nobody takes the datagram.</summary>
    public const byte DestinationUnreachable = 3;
    public const byte HostUnreachable = 1;
    public const byte PortUnreachable = 3;

    const int MsgHdrSize = 56, IovecSize = 16, NameSize = 16, ControlSize = 256;

    readonly int _fd;
    readonly byte[] _payload;
    readonly byte[] _block; // msghdr | iovec | sockaddr_in | control
    readonly nint _blockAddress;
    readonly byte[] _pollFd = GC.AllocateArray<byte>(8, pinned: true);
    readonly nint _pollAddress;
    readonly byte[] _target = new byte[NameSize]; // struct sockaddr_in
    readonly byte[] _from = new byte[NameSize];
    int _payloadLength;

    UdpErrorSocket(Socket socket, IPEndPoint target, int payloadSize)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_target, (ushort)AddressFamily.InterNetwork);
        BinaryPrimitives.WriteUInt16BigEndian(_target.AsSpan(2), (ushort)target.Port);
        target.Address.GetAddressBytes().CopyTo(_target, 4);
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _payload = GC.AllocateArray<byte>(payloadSize, pinned: true);
        _block = GC.AllocateArray<byte>(MsgHdrSize + IovecSize + NameSize + ControlSize, pinned: true);
        _blockAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_block, 0);
        _pollAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_pollFd, 0);
        BinaryPrimitives.WriteInt32LittleEndian(_pollFd, _fd);
        BinaryPrimitives.WriteInt16LittleEndian(_pollFd.AsSpan(4), PollIn);

        var m = _block.AsSpan();
        nint iov = _blockAddress + MsgHdrSize;
        nint name = iov + IovecSize;
        nint control = name + NameSize;
        BinaryPrimitives.WriteInt64LittleEndian(m[0..], name);                 // msg_name
        BinaryPrimitives.WriteInt64LittleEndian(m[16..], iov);                 // msg_iov
        BinaryPrimitives.WriteInt64LittleEndian(m[24..], 1);                   // msg_iovlen
        BinaryPrimitives.WriteInt64LittleEndian(m[32..], control);             // msg_control
        BinaryPrimitives.WriteInt64LittleEndian(m[MsgHdrSize..], Marshal.UnsafeAddrOfPinnedArrayElement(_payload, 0)); // iov_base
        BinaryPrimitives.WriteInt64LittleEndian(m[(MsgHdrSize + 8)..], payloadSize);                                  // iov_len
    }

    /// <summary>Turns on IP_RECVERR for <paramref name="socket"/> (bound, IPv4), which sends to <paramref name="target"/>.</summary>
    public static UdpErrorSocket Open(Socket socket, IPEndPoint target, int payloadSize)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) throw new UsageException("udp-stream runs on 64-bit Linux only");
        socket.SetRawSocketOption(SolIp, IpRecverr, [1, 0, 0, 0]);
        return new UdpErrorSocket(socket, target, payloadSize);
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> to the target; false when it could not leave (no route while a
    /// link is down, a full queue): that datagram is lost.
    /// </summary>
    public bool Send(byte[] datagram)
    {
        if (SendTo(_fd, datagram, datagram.Length, 0, _target, NameSize) >= 0) return true;
        int errno = Marshal.GetLastPInvokeError();
        // An ICMP error for an earlier datagram failed this send, and is cleared now: send it all the same.
        return errno is EConnRefused or EHostUnreach && SendTo(_fd, datagram, datagram.Length, 0, _target, NameSize) >= 0;
    }

    /// <summary>
    /// Receives one datagram without blocking: its length, or -1 when there was none (or a pending
    /// error came instead). <paramref name="fromTarget"/>: it came from the target's address and port.
    /// </summary>
    public int Receive(byte[] buffer, out bool fromTarget)
    {
        int fromLength = NameSize;
        nint n = RecvFrom(_fd, buffer, buffer.Length, MsgDontwait, _from, ref fromLength);
        fromTarget = n >= 0 && _from.AsSpan(0, 8).SequenceEqual(_target.AsSpan(0, 8));
        return (int)n;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a datagram or an error; returns (readable, error queued).</summary>
    public (bool Readable, bool Error) Wait(int timeoutMs)
    {
        _pollFd[6] = _pollFd[7] = 0;
        if (Poll(_pollAddress, 1, timeoutMs) <= 0) return (false, false);
        short revents = BinaryPrimitives.ReadInt16LittleEndian(_pollFd.AsSpan(6));
        return ((revents & PollIn) != 0, (revents & PollErr) != 0);
    }

    // ---- the error last read by TryRead ----

    /// <summary>The offending datagram's payload as the ICMP message quoted it (possibly cut short).</summary>
    public ReadOnlySpan<byte> Payload => _payload.AsSpan(0, _payloadLength);

    /// <summary>Whether the error came in an ICMP message (not a local one such as EMSGSIZE).</summary>
    public bool FromIcmp { get; private set; }

    public byte Type { get; private set; }

    public byte Code { get; private set; }

    /// <summary>Whether the offending datagram was sent to the target given to <see cref="Enable"/>.</summary>
    public bool WasSentToTarget => _block.AsSpan(MsgHdrSize + IovecSize + 2, 6).SequenceEqual(_target.AsSpan(2, 6));

    /// <summary>Reads one queued error without blocking; false when the queue is empty.</summary>
    public bool TryRead()
    {
        var m = _block.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(m[8..], NameSize);            // msg_namelen
        BinaryPrimitives.WriteInt64LittleEndian(m[40..], ControlSize);         // msg_controllen
        BinaryPrimitives.WriteInt32LittleEndian(m[48..], 0);                   // msg_flags
        nint n = RecvMsg(_fd, _blockAddress, MsgErrqueue | MsgDontwait);
        if (n < 0) return false;
        _payloadLength = (int)n;
        FromIcmp = false;
        Type = Code = 0;
        long controlLength = BinaryPrimitives.ReadInt64LittleEndian(m[40..]);
        var control = m.Slice(MsgHdrSize + IovecSize + NameSize, (int)Math.Min(controlLength, ControlSize));
        while (control.Length >= 16)
        {
            // struct cmsghdr { size_t len; int level; int type; } then data, each padded to 8 bytes.
            long length = BinaryPrimitives.ReadInt64LittleEndian(control);
            if (length < 16 || length > control.Length) break;
            int level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
            int type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
            if (level == SolIp && type == IpRecverr && length >= 16 + 8)
            {
                // struct sock_extended_err { u32 errno; u8 origin; u8 type; u8 code; u8 pad; u32 info; u32 data; }
                var ee = control[16..];
                FromIcmp = ee[4] == SoEeOriginIcmp;
                Type = ee[5];
                Code = ee[6];
            }
            control = control[(int)Math.Min(control.Length, (length + 7) & ~7L)..];
        }
        return true;
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; these calls are trivial
    [DllImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
    static extern nint RecvMsg(int fd, nint message, int flags);

    [DllImport("libc", EntryPoint = "sendto", SetLastError = true)]
    static extern nint SendTo(int fd, byte[] buffer, nint length, int flags, byte[] address, int addressLength);

    [DllImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    static extern nint RecvFrom(int fd, byte[] buffer, nint length, int flags, byte[] address, ref int addressLength);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    static extern int Poll(nint fds, nuint count, int timeoutMs);
#pragma warning restore SYSLIB1054
}
