using System.Runtime.InteropServices;

namespace Appliance.Config;

/// <summary>
/// Replaces a file so that a crash or a power cut at any moment leaves either the old content or
/// the new one, never a mix or an empty file: a temporary file in the same directory is written
/// and flushed to disk, renamed over the target (atomic within one file system), and then the
/// directory is flushed so that the rename itself survives a power cut.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>rw-r--r--.</summary>
    public const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>rw-------: created so from the start, never readable by others even for a moment.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // open(2) flags, the same on every Linux architecture (O_DIRECTORY is not, and a directory opens without it).
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically, the file having <paramref name="mode"/> (less the umask).</summary>
    /// <exception cref="IOException">The directory is missing or not writable, or the disk failed; the old file is untouched.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode = Readable)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? throw new IOException($"{path} has no directory");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():n}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The first failure is the one to report.
            }
            throw;
        }
        FlushDirectory(directory);
    }

    /// <summary>fsync(2) on the directory, which .NET cannot open as a file.</summary>
    private static void FlushDirectory(string directory)
    {
        var fd = Open(directory, ReadOnly | CloseOnExec);
        if (fd < 0) throw new IOException($"cannot open {directory} to flush it: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        try
        {
            if (Fsync(fd) < 0) throw new IOException($"cannot flush {directory}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
