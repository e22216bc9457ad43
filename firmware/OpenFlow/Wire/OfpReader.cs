using System.Buffers.Binary;

namespace Appliance.OpenFlow;

/// <summary>
/// Reads big-endian OpenFlow structures from a buffer without ever reading past it.
/// </summary>
/// <remarks>
/// Errors are sticky instead of thrown: the first failure is kept, every later read returns zero
/// and consumes nothing, and loops over <see cref="Remaining"/> end. Decoders therefore read a
/// whole structure straight through and check <see cref="Ok"/> once, like OVS's
/// <c>ofpbuf_try_pull</c>, and malformed input costs no exception and no allocation.
/// Byte slices handed out are views of the input: they live as long as the caller's buffer.
/// </remarks>
public ref struct OfpReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private readonly int _origin;
    private readonly OfpErrorCode _lengthError;
    private int _position;
    private OfpDecodeError _error;

    /// <param name="memory">The bytes to read.</param>
    /// <param name="lengthError">The protocol error reported when a structure does not fit.</param>
    /// <param name="origin">Offset of <paramref name="memory"/> within the whole message, for error reports.</param>
    public OfpReader(ReadOnlyMemory<byte> memory, OfpErrorCode lengthError, int origin = 0)
    {
        _memory = memory;
        _span = memory.Span;
        _origin = origin;
        _lengthError = lengthError;
        _position = 0;
        _error = default;
    }

    public readonly bool Ok => !_error.IsError;

    public readonly OfpDecodeError Error => _error;

    public readonly int Remaining => _span.Length - _position;

    public readonly int Position => _position;

    /// <summary>Offset of the next byte within the whole message.</summary>
    public readonly int Offset => _origin + _position;

    public readonly ReadOnlySpan<byte> RemainingSpan => _span[_position..];

    /// <summary>All bytes this reader covers, read or not.</summary>
    public readonly ReadOnlyMemory<byte> Memory => _memory;

    public byte ReadByte()
    {
        if (!Ensure(1, "byte")) return 0;
        return _span[_position++];
    }

    public ushort ReadUInt16()
    {
        if (!Ensure(2, "uint16")) return 0;
        var value = BinaryPrimitives.ReadUInt16BigEndian(_span[_position..]);
        _position += 2;
        return value;
    }

    public uint ReadUInt32()
    {
        if (!Ensure(4, "uint32")) return 0;
        var value = BinaryPrimitives.ReadUInt32BigEndian(_span[_position..]);
        _position += 4;
        return value;
    }

    public ulong ReadUInt64()
    {
        if (!Ensure(8, "uint64")) return 0;
        var value = BinaryPrimitives.ReadUInt64BigEndian(_span[_position..]);
        _position += 8;
        return value;
    }

    public MacAddress ReadMac()
    {
        if (!Ensure(6, "hw_addr")) return default;
        var value = MacAddress.Read(_span.Slice(_position, 6));
        _position += 6;
        return value;
    }

    /// <summary>Skips padding. OpenFlow asks senders to zero it and receivers to ignore it.</summary>
    public void Skip(int count)
    {
        if (Ensure(count, "pad")) _position += count;
    }

    public ReadOnlyMemory<byte> ReadBytes(int count)
    {
        if (!Ensure(count, "bytes")) return ReadOnlyMemory<byte>.Empty;
        var value = _memory.Slice(_position, count);
        _position += count;
        return value;
    }

    public ReadOnlySpan<byte> ReadSpan(int count)
    {
        if (!Ensure(count, "bytes")) return ReadOnlySpan<byte>.Empty;
        var value = _span.Slice(_position, count);
        _position += count;
        return value;
    }

    public ReadOnlyMemory<byte> ReadRest() => ReadBytes(Remaining);

    /// <summary>
    /// Takes the next <paramref name="length"/> bytes as a reader of their own, so that a nested
    /// structure can never read into its neighbour. A length longer than what is left fails this
    /// reader with <paramref name="what"/> and returns an empty reader.
    /// </summary>
    public OfpReader Slice(int length, OfpErrorCode lengthError, string what)
    {
        if (length < 0 || length > Remaining)
        {
            Fail(lengthError, what);
            return new OfpReader(ReadOnlyMemory<byte>.Empty, lengthError, Offset);
        }
        var slice = new OfpReader(_memory.Slice(_position, length), lengthError, Offset);
        _position += length;
        return slice;
    }

    /// <summary>Adopts the failure of a reader made by <see cref="Slice"/>.</summary>
    public void Absorb(in OfpReader slice)
    {
        if (Ok && !slice.Ok) Stop(slice.Error);
    }

    public void Fail(OfpErrorCode code, string what) => Stop(new OfpDecodeError(code, Offset, what));

    /// <summary>Fails unless every byte has been consumed: a structure longer than its fields is malformed.</summary>
    public void ExpectEnd(string what)
    {
        if (Ok && Remaining != 0) Fail(_lengthError, what);
    }

    private bool Ensure(int count, string what)
    {
        if (!Ok) return false;
        if (count <= Remaining) return true;
        Fail(_lengthError, what);
        return false;
    }

    private void Stop(OfpDecodeError error)
    {
        if (!Ok) return;
        _error = error;
        _position = _span.Length;
    }
}
