using System.Text;

namespace Appliance.OpenFlow;

/// <summary>An element of a TLV list (an action, an instruction) that can read itself.</summary>
public interface IOfpElement<TSelf>
    where TSelf : class, IOfpElement<TSelf>
{
    /// <summary>Reads and checks one element; with <paramref name="materialize"/> false it only validates.</summary>
    static abstract TSelf? Read(ref OfpReader r, bool materialize);

    /// <summary>The error a list of these reports when an element does not fit.</summary>
    static abstract OfpErrorCode LengthError { get; }
}

/// <summary>
/// The validated wire form of a list of elements, shared by <see cref="ActionList"/> and
/// <see cref="InstructionList"/>: byte equality, hashing, printing, and the enumerator that makes
/// the records only when someone walks the list.
/// </summary>
internal static class EncodedList
{
    public static bool Equal(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) => a.Span.SequenceEqual(b.Span);

    public static int Hash(ReadOnlyMemory<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes.Span);
        return hash.ToHashCode();
    }

    public static string Print<T>(ReadOnlyMemory<byte> bytes)
        where T : class, IOfpElement<T>
    {
        if (bytes.IsEmpty) return "drop";
        var text = new StringBuilder();
        foreach (var element in new Enumerator<T>(bytes))
        {
            if (text.Length > 0) text.Append(',');
            text.Append(element);
        }
        return text.ToString();
    }

    /// <summary>Reads and validates <paramref name="length"/> bytes of elements; the result views the reader's buffer.</summary>
    public static ReadOnlyMemory<byte> Read<T>(ref OfpReader r, int length, string what)
        where T : class, IOfpElement<T>
    {
        var list = r.Slice(length, T.LengthError, what);
        var bytes = list.Memory;
        while (list.Remaining > 0 && list.Ok) T.Read(ref list, materialize: false);
        r.Absorb(list);
        return r.Ok ? bytes : default;
    }
}

/// <summary>Makes the records of a list that was validated when it was read or built.</summary>
public struct Enumerator<T> : IEnumerator<T>
    where T : class, IOfpElement<T>
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private int _offset;

    internal Enumerator(ReadOnlyMemory<byte> bytes)
    {
        _bytes = bytes;
        _offset = 0;
        Current = null!;
    }

    public T Current { get; private set; }

    readonly object System.Collections.IEnumerator.Current => Current;

    public readonly Enumerator<T> GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_offset >= _bytes.Length) return false;
        var r = new OfpReader(_bytes[_offset..], T.LengthError);
        var element = T.Read(ref r, materialize: true);
        if (element is null) return false;
        _offset += r.Position;
        Current = element;
        return true;
    }

    public void Reset()
    {
        _offset = 0;
        Current = null!;
    }

    public readonly void Dispose()
    {
    }
}
