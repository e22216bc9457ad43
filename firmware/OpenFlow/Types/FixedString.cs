using System.Runtime.CompilerServices;
using System.Text;

namespace Appliance.OpenFlow;

/// <summary>
/// A port name (<c>OFP_MAX_PORT_NAME_LEN</c> = 16 bytes, NUL padded) kept inline, so that decoding a
/// PORT_STATUS allocates no string. <see cref="ToString"/> makes the string when someone asks.
/// </summary>
public struct OfpPortName : IEquatable<OfpPortName>
{
    public const int Size = 16;

    private Bytes16 _bytes;

    public OfpPortName(string name)
    {
        var length = Math.Min(name.Length, Size - 1);
        for (var i = 0; i < length; i++) _bytes[i] = (byte)(name[i] < 0x80 ? name[i] : '?');
    }

    internal static OfpPortName Read(ReadOnlySpan<byte> source)
    {
        var name = default(OfpPortName);
        source[..Size].CopyTo(name._bytes);
        return name;
    }

    internal readonly void Write(Span<byte> destination) => ((ReadOnlySpan<byte>)_bytes).CopyTo(destination);

    public readonly bool Equals(OfpPortName other) => ((ReadOnlySpan<byte>)_bytes).SequenceEqual(other._bytes);

    /// <summary>Compares with a name as given (truncated to 15 characters, as the wire holds).</summary>
    public readonly bool Equals(string name) => Equals(new OfpPortName(name));

    public override readonly bool Equals(object? obj) => obj is OfpPortName other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(OfpPortName left, OfpPortName right) => left.Equals(right);

    public static bool operator !=(OfpPortName left, OfpPortName right) => !left.Equals(right);

    public override readonly string ToString()
    {
        ReadOnlySpan<byte> bytes = _bytes;
        var end = bytes.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    [InlineArray(Size)]
    private struct Bytes16
    {
        private byte _element;
    }
}

internal static class FixedString
{
    /// <summary>Reads a NUL-padded ASCII field, stopping at the first NUL.</summary>
    public static string Read(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? field : field[..end]);
    }
}
