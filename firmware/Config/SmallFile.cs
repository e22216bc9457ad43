using System.Runtime.InteropServices;

namespace Appliance.Config;

/// <summary>
/// Reads a file whole only when it is small: the configuration, the API token. The size is checked before reading
/// (on the open file, so it cannot change in between), and the read itself stops past the limit, because a pipe,
/// <c>/dev/zero</c> or a <c>/proc</c> file has no size to check.
/// </summary>
public static partial class SmallFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ENOENT = 2;

    /// <summary>The file's bytes, or null when it holds more than <paramref name="maxBytes"/>.</summary>
    /// <exception cref="IOException">As <see cref="File.OpenRead"/> (also <see cref="UnauthorizedAccessException"/>).</exception>
    public static byte[]? TryReadAll(string path, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            return null;
        }
        using var content = new MemoryStream();
        var chunk = new byte[Math.Min(64 * 1024, maxBytes + 1)];
        int read;
        while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1L - content.Length))) > 0)
        {
            content.Write(chunk, 0, read);
            if (content.Length > maxBytes)
            {
                return null;
            }
        }
        return content.ToArray();
    }

    /// <summary>
    /// Whether <paramref name="path"/> (its links followed) names a regular file. Asked before opening a file that
    /// should hold a line: a device never ends, and a pipe without a writer never lets the open return.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing is there.</exception>
    /// <exception cref="IOException">It cannot be looked at (e.g. a directory on the way may not be searched).</exception>
    public static unsafe bool IsRegularFile(string path)
    {
        // statx(2), not stat(2): its layout is the same on every architecture (as in Appliance.Switch.FileIdentity).
        var buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string why = Marshal.GetPInvokeErrorMessage(errno);
            throw errno == ENOENT ? new FileNotFoundException(why, path) : new IOException(why);
        }
        // stx_mode at offset 28; S_IFMT 0170000, S_IFREG 0100000.
        return (MemoryMarshal.Read<ushort>(new ReadOnlySpan<byte>(buffer + 28, 2)) & 0xF000) == 0x8000;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
