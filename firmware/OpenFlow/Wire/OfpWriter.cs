using System.Buffers.Binary;
using System.Diagnostics;

namespace Appliance.OpenFlow;

/// <summary>
/// Writes big-endian OpenFlow structures into a span sized beforehand. Every encoder knows its
/// exact length before writing (lengths are computed, never patched afterwards), so the writer
/// only has to move forward.
/// </summary>
public ref struct OfpWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public OfpWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteMac(MacAddress value)
    {
        value.Write(_buffer.Slice(_position, 6));
        _position += 6;
    }

    /// <summary>Hands out the next <paramref name="count"/> bytes for the caller to fill.</summary>
    public Span<byte> Reserve(int count)
    {
        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    /// <summary>Writes <paramref name="count"/> zero bytes.</summary>
    public void WriteZeros(int count)
    {
        _buffer.Slice(_position, count).Clear();
        _position += count;
    }

    /// <summary>Writes a fixed-size, NUL-padded ASCII string field (port names, descriptions).</summary>
    public void WriteFixedString(string value, int size)
    {
        var field = _buffer.Slice(_position, size);
        field.Clear();
        var length = Math.Min(value.Length, size - 1);
        for (var i = 0; i < length; i++) field[i] = (byte)(value[i] < 0x80 ? value[i] : '?');
        _position += size;
    }

    [Conditional("DEBUG")]
    public readonly void AssertAt(int expected) =>
        Debug.Assert(_position == expected, $"encoder wrote {_position} bytes, computed {expected}");
}
