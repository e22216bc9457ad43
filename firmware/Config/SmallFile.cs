namespace Appliance.Config;

/// <summary>
/// Reads a file whole only when it is small: the configuration, the API token. The size is checked before reading
/// (on the open file, so it cannot change in between), and the read itself stops past the limit, because a pipe,
/// <c>/dev/zero</c> or a <c>/proc</c> file has no size to check.
/// </summary>
public static class SmallFile
{
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
}
