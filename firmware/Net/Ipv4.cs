using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Appliance.Net;

/// <summary>
/// IPv4 addresses as text (strict: no "10.1" shorthand, no octal, no hex), as the host-order integers the
/// wire and packet code compare, and as subnets.
/// </summary>
public static class Ipv4
{
    /// <summary>Dotted-quad only: four decimal octets 0..255 without leading zeros.</summary>
    public static bool TryParseStrict(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(text);
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

    /// <summary>True when the text is an IPv6 address (with or without brackets): worth its own message.</summary>
    public static bool LooksLikeIpv6(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Length > 1 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;
        return t.Contains(':', StringComparison.Ordinal)
            && IPAddress.TryParse(t, out IPAddress? a)
            && a.AddressFamily == AddressFamily.InterNetworkV6;
    }

    /// <summary>The address as an integer, first octet most significant.</summary>
    /// <exception cref="ArgumentException">The address is not IPv4.</exception>
    public static uint ToUInt32(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[4];
        if (address.AddressFamily != AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
        {
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        }
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>The address of an integer, first octet most significant.</summary>
    public static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <summary>The netmask of a prefix length 0..32 (24 → 255.255.255.0) as an integer.</summary>
    public static uint Mask(int prefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        return prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
    }

    /// <summary>True when both addresses are IPv4 and in the same /<paramref name="prefixLength"/> subnet.</summary>
    public static bool SameSubnet(IPAddress a, IPAddress b, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.AddressFamily != AddressFamily.InterNetwork || b.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        uint m = Mask(prefixLength);
        return (ToUInt32(a) & m) == (ToUInt32(b) & m);
    }

    /// <summary>The network address of the subnet holding <paramref name="address"/> (10.0.0.6, 24 → 10.0.0.0).</summary>
    public static IPAddress Network(IPAddress address, int prefixLength) => ToAddress(ToUInt32(address) & Mask(prefixLength));

    /// <summary>Why the address cannot be a host's unicast address, or null when it can.</summary>
    public static string? UnusableReason(IPAddress address)
    {
        uint v = ToUInt32(address);
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
            return $"{address} is a loopback address";
        }
        if ((v >> 28) == 0xE)
        {
            return $"{address} is a multicast address";
        }
        if ((v >> 24) == 0)
        {
            return $"{address} is in 0.0.0.0/8 (\"this network\"), not a host address";
        }
        if ((v >> 28) == 0xF)
        {
            return $"{address} is in the reserved range 240.0.0.0/4";
        }
        return null;
    }
}
