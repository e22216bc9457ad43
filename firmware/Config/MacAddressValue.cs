using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Appliance.Config;

/// <summary>
/// A 48-bit Ethernet address held in the low 48 bits of <see cref="Value"/> (first octet most significant).
/// Parses "02:00:0a:00:00:64" or "02-00-0A-00-00-64" (case-insensitive); prints lower-case with colons.
/// </summary>
public readonly record struct MacAddressValue(ulong Value)
{
    /// <summary>Largest valid <see cref="Value"/>.</summary>
    public const ulong MaxValue = 0xFFFF_FFFF_FFFFUL;

    /// <summary>The 48-bit value.</summary>
    public ulong Value { get; } = Value <= MaxValue
        ? Value
        : throw new ArgumentOutOfRangeException(nameof(Value), Value, "a MAC address has 48 bits");

    /// <summary>Group (multicast/broadcast) bit of the first octet is set.</summary>
    public bool IsGroup => ((Value >> 40) & 0x01) != 0;

    /// <summary>Group bit clear.</summary>
    public bool IsUnicast => !IsGroup;

    /// <summary>Locally-administered bit of the first octet is set.</summary>
    public bool IsLocallyAdministered => ((Value >> 40) & 0x02) != 0;

    /// <summary>00:00:00:00:00:00.</summary>
    public bool IsZero => Value == 0;

    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => Value == MaxValue;

    /// <summary>Builds an address from exactly six bytes.</summary>
    public static MacAddressValue FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6)
        {
            throw new ArgumentException("a MAC address has exactly 6 bytes", nameof(bytes));
        }
        ulong v = 0;
        foreach (byte b in bytes)
        {
            v = (v << 8) | b;
        }
        return new MacAddressValue(v);
    }

    /// <summary>Writes the six bytes, first octet first.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        if (destination.Length < 6)
        {
            throw new ArgumentException("need 6 bytes", nameof(destination));
        }
        for (int i = 0; i < 6; i++)
        {
            destination[i] = (byte)(Value >> (40 - (8 * i)));
        }
    }

    /// <summary>The six bytes, first octet first.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[6];
        WriteBytes(b);
        return b;
    }

    /// <summary>Parses six two-digit hex groups separated all by ':' or all by '-'.</summary>
    /// <exception cref="FormatException">The text is not such an address.</exception>
    public static MacAddressValue Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out MacAddressValue mac)
            ? mac
            : throw new FormatException($"\"{text}\" is not a MAC address (expected six hex pairs like 02:00:0a:00:00:64)");
    }

    /// <summary>Parses six two-digit hex groups separated all by ':' or all by '-'.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddressValue mac)
    {
        mac = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }
        char sep = text[2];
        if (sep is not (':' or '-'))
        {
            return false;
        }
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            int at = i * 3;
            if (i > 0 && text[at - 1] != sep)
            {
                return false;
            }
            if (!byte.TryParse(text.AsSpan(at, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }
            v = (v << 8) | b;
        }
        mac = new MacAddressValue(v);
        return true;
    }

    /// <summary>Lower-case, colon-separated: "02:00:0a:00:00:64".</summary>
    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        WriteBytes(b);
        return string.Create(CultureInfo.InvariantCulture,
            $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
