using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Config;

/// <summary>Strict textual IP handling for the configuration (no "10.1" shorthand, no octal, no hex).</summary>
internal static class Ipv4
{
    /// <summary>Dotted-quad only: four decimal octets 0..255 without leading zeros.</summary>
    public static bool TryParseStrict(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        string[] parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[4];
        for (int i = 0; i < 4; i++)
        {
            string p = parts[i];
            if (p.Length is 0 or > 3 || (p.Length > 1 && p[0] == '0') || !p.All(char.IsAsciiDigit))
            {
                return false;
            }
            int v = int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
            if (v > 255)
            {
                return false;
            }
            bytes[i] = (byte)v;
        }
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>True when the text is an IPv6 address (with or without brackets).</summary>
    public static bool LooksLikeIpv6(string text)
    {
        string t = text.Length > 1 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;
        return t.Contains(':', StringComparison.Ordinal)
            && IPAddress.TryParse(t, out IPAddress? a)
            && a.AddressFamily == AddressFamily.InterNetworkV6;
    }

    public static uint ToUInt32(IPAddress a)
    {
        Span<byte> b = stackalloc byte[4];
        if (a.AddressFamily != AddressFamily.InterNetwork || !a.TryWriteBytes(b, out _))
        {
            throw new ArgumentException("not an IPv4 address", nameof(a));
        }
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    public static uint Mask(int prefix) => prefix <= 0 ? 0u : uint.MaxValue << (32 - prefix);

    public static bool SameSubnet(IPAddress a, IPAddress b, int prefix)
    {
        if (a.AddressFamily != AddressFamily.InterNetwork || b.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        uint m = Mask(prefix);
        return (ToUInt32(a) & m) == (ToUInt32(b) & m);
    }

    public static IPAddress Network(IPAddress a, int prefix)
    {
        uint n = ToUInt32(a) & Mask(prefix);
        return new IPAddress(new[] { (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n });
    }

    /// <summary>Why the address cannot be a host's unicast address, or null when it can.</summary>
    public static string? UnusableReason(IPAddress a)
    {
        uint v = ToUInt32(a);
        if (v == 0)
        {
            return "0.0.0.0 is not a host address";
        }
        if (v == uint.MaxValue)
        {
            return "255.255.255.255 is the broadcast address";
        }
        if ((v >> 24) == 127)
        {
            return $"{a} is a loopback address";
        }
        if ((v >> 28) == 0xE)
        {
            return $"{a} is a multicast address";
        }
        if ((v >> 24) == 0)
        {
            return $"{a} is in 0.0.0.0/8 (\"this network\"), not a host address";
        }
        if ((v >> 28) == 0xF)
        {
            return $"{a} is in the reserved range 240.0.0.0/4";
        }
        return null;
    }
}
