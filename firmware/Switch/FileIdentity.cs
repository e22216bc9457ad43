using System.Runtime.InteropServices;

namespace Appliance.Switch;

/// <summary>
/// What a path names, from statx(2) (whose layout, unlike stat's, is the same on every
/// architecture): its type, its owner, and which file it is (device and inode), so that we can
/// tell later whether the path still names the same file.
/// </summary>
internal readonly partial record struct FileIdentity(uint Mode, uint Uid, ulong Inode, uint DeviceMajor, uint DeviceMinor)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ENOENT = 2;

    public bool IsSocket => (Mode & 0xF000) == 0xC000;

    /// <summary>The file at <paramref name="path"/> (a symbolic link itself, not followed), or null when there is none.</summary>
    /// <exception cref="IOException">statx failed for another reason (e.g. no permission).</exception>
    public static unsafe FileIdentity? Of(string path)
    {
        var buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT) return null;
            throw new IOException($"cannot stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        // struct statx, in the machine's byte order: uid at 20, mode at 28, inode at 32, device at 136 and 140.
        var stx = new ReadOnlySpan<byte>(buffer, 256);
        return new FileIdentity(
            Mode: MemoryMarshal.Read<ushort>(stx[28..]),
            Uid: MemoryMarshal.Read<uint>(stx[20..]),
            Inode: MemoryMarshal.Read<ulong>(stx[32..]),
            DeviceMajor: MemoryMarshal.Read<uint>(stx[136..]),
            DeviceMinor: MemoryMarshal.Read<uint>(stx[140..]));
    }

    /// <summary>Whether both name the same file (the type, owner and mode may be the same for another).</summary>
    public bool IsSameFile(FileIdentity other) => Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
