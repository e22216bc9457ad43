using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Appliance.Switch;

/// <summary>
/// The kernel's table of TCP sockets in this network namespace (<c>/proc/net/tcp</c> and
/// <c>tcp6</c>), which names each socket's owner: how we learn who is at the other end of a
/// loopback connection.
/// </summary>
internal static class ProcNetTcp
{
    /// <summary>
    /// The uid owning the socket whose local address is <paramref name="local"/> and remote
    /// address <paramref name="remote"/>, or null when no line has both.
    /// </summary>
    /// <param name="lines">The table, header line included.</param>
    public static uint? FindOwner(IEnumerable<string> lines, IPEndPoint local, IPEndPoint remote)
    {
        foreach (var line in lines)
        {
            // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode ..."
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8 || !fields[0].EndsWith(':')) continue;
            if (!TryParseEndPoint(fields[1], out var lineLocal) || !TryParseEndPoint(fields[2], out var lineRemote)) continue;
            if (!lineLocal.Equals(local) || !lineRemote.Equals(remote)) continue;
            if (uint.TryParse(fields[7], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)) return uid;
        }
        return null;
    }

    /// <summary>Reads the table of <paramref name="family"/> from <c>/proc/net</c>.</summary>
    public static IEnumerable<string> Read(AddressFamily family) =>
        File.ReadLines(family == AddressFamily.InterNetworkV6 ? "/proc/net/tcp6" : "/proc/net/tcp");

    /// <summary>
    /// "0100007F:1A0D": the address as the kernel's 32-bit words printed in hex (so in the
    /// machine's byte order), the port as a number in hex.
    /// </summary>
    internal static bool TryParseEndPoint(string text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon is not (8 or 32) || text.Length != colon + 5) return false;
        if (!ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var port)) return false;
        var bytes = new byte[colon / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            if (!uint.TryParse(text.AsSpan(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)) return false;
            MemoryMarshal.Write(bytes.AsSpan(word * 4), value);
        }
        endPoint = new IPEndPoint(new IPAddress(bytes), port);
        return true;
    }
}
