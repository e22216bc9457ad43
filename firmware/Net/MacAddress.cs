using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Appliance.Net;

/// <summary>
/// A 48-bit Ethernet address held in a <see cref="ulong"/> (first octet most significant): no
/// array, no allocation. The one MAC type of the firmware, from the wire to the configuration.
/// </summary>
public readonly record struct MacAddress(ulong Value) : ISpanParsable<MacAddress>
{
    public const ulong Mask48 = 0xffff_ffff_ffff;

    public static readonly MacAddress Broadcast = new(Mask48);

    public static readonly MacAddress Zero = new(0);

    public ulong Value { get; } = Value <= Mask48 ? Value : throw new ArgumentOutOfRangeException(nameof(Value), Value, "a MAC address has 48 bits");

    /// <summary>The group bit of the first octet: set on multicast and broadcast addresses.</summary>
    public bool IsGroup => (Value & 0x0100_0000_0000) != 0;

    public bool IsUnicast => !IsGroup;

    /// <summary>The locally-administered bit of the first octet (02:… addresses).</summary>
    public bool IsLocallyAdministered => (Value & 0x0200_0000_0000) != 0;

    public bool IsZero => Value == 0;

    public bool IsBroadcast => Value == Mask48;

    /// <summary>Reads the first six bytes of <paramref name="source"/>.</summary>
    public static MacAddress Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < 6) throw new ArgumentException("a MAC address has 6 bytes", nameof(source));
        return new(((ulong)BinaryPrimitives.ReadUInt16BigEndian(source) << 32) | BinaryPrimitives.ReadUInt32BigEndian(source[2..]));
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[6];
        Write(bytes);
        return bytes;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    public override string ToString() => string.Create(17, Value, static (chars, value) =>
    {
        for (var i = 0; i < 6; i++)
        {
            var b = (byte)(value >> (40 - 8 * i));
            chars[i * 3] = HexDigit(b >> 4);
            chars[i * 3 + 1] = HexDigit(b & 0xf);
            if (i < 5) chars[i * 3 + 2] = ':';
        }
    });

    /// <summary>Parses <c>02:00:0a:00:00:64</c> (also with <c>-</c>), any case.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out MacAddress result)
    {
        result = default;
        if (s.Length != 17) return false;
        var separator = s[2];
        if (separator is not (':' or '-')) return false;
        ulong value = 0;
        for (var i = 0; i < 6; i++)
        {
            if (i < 5 && s[i * 3 + 2] != separator) return false;
            if (!byte.TryParse(s.Slice(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)) return false;
            value = (value << 8) | b;
        }
        result = new MacAddress(value);
        return true;
    }

    public static MacAddress Parse(string s) => Parse(s.AsSpan(), null);

    public static MacAddress Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, out var result) ? result : throw new FormatException($"\"{s}\" is not a MAC address (expected six hex pairs like 02:00:0a:00:00:64)");

    public static bool TryParse([NotNullWhen(true)] string? s, out MacAddress result)
    {
        result = default;
        return s is not null && TryParse(s.AsSpan(), out result);
    }

    public static MacAddress Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out MacAddress result) => TryParse(s, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out MacAddress result)
    {
        result = default;
        return s is not null && TryParse(s.AsSpan(), out result);
    }

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
