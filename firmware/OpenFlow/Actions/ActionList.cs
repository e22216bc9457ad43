using System.Text;

namespace Appliance.OpenFlow;

/// <summary>
/// An ordered list of actions, kept in its validated wire form: decoding a message that carries
/// actions costs no allocation, re-encoding is a copy, and the records are made only when someone
/// enumerates them. Order matters in an action list, so equality is byte equality; our encoders
/// write the same canonical bytes Open vSwitch writes back.
/// </summary>
public readonly struct ActionList : IEquatable<ActionList>, IEnumerable<OfpAction>
{
    private readonly ReadOnlyMemory<byte> _bytes;

    private ActionList(ReadOnlyMemory<byte> bytes) => _bytes = bytes;

    public static ActionList Empty => default;

    public int EncodedLength => _bytes.Length;

    public bool IsEmpty => _bytes.IsEmpty;

    public static ActionList Of(params ReadOnlySpan<OfpAction> actions)
    {
        var length = 0;
        foreach (var action in actions) length += action.EncodedLength;
        var bytes = new byte[length];
        var w = new OfpWriter(bytes);
        foreach (var action in actions) action.Write(ref w);
        w.AssertAt(length);
        return new ActionList(bytes);
    }

    /// <summary>Reads and validates <paramref name="length"/> bytes of actions.</summary>
    public static ActionList Read(ref OfpReader r, int length)
    {
        var actions = r.Slice(length, OfpErrorCode.Of(OfpBadActionCode.BadLen), "actions_len");
        var bytes = actions.Memory;
        while (actions.Remaining > 0 && actions.Ok) OfpAction.Read(ref actions, materialize: false);
        r.Absorb(actions);
        return r.Ok ? new ActionList(bytes) : default;
    }

    public void Write(ref OfpWriter w) => w.WriteBytes(_bytes.Span);

    public Enumerator GetEnumerator() => new(_bytes);

    IEnumerator<OfpAction> IEnumerable<OfpAction>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(ActionList other) => _bytes.Span.SequenceEqual(other._bytes.Span);

    public override bool Equals(object? obj) => obj is ActionList other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes.Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(ActionList left, ActionList right) => left.Equals(right);

    public static bool operator !=(ActionList left, ActionList right) => !left.Equals(right);

    public override string ToString()
    {
        if (IsEmpty) return "drop";
        var text = new StringBuilder();
        foreach (var action in this)
        {
            if (text.Length > 0) text.Append(',');
            text.Append(action);
        }
        return text.ToString();
    }

    /// <summary>Makes the records of a list that was validated when it was read or built.</summary>
    public struct Enumerator : IEnumerator<OfpAction>
    {
        private readonly ReadOnlyMemory<byte> _bytes;
        private int _offset;

        internal Enumerator(ReadOnlyMemory<byte> bytes)
        {
            _bytes = bytes;
            _offset = 0;
            Current = null!;
        }

        public OfpAction Current { get; private set; }

        readonly object System.Collections.IEnumerator.Current => Current;

        public void Reset()
        {
            _offset = 0;
            Current = null!;
        }

        public readonly void Dispose()
        {
        }

        public bool MoveNext()
        {
            if (_offset >= _bytes.Length) return false;
            var r = new OfpReader(_bytes[_offset..], OfpErrorCode.Of(OfpBadActionCode.BadLen));
            var action = OfpAction.Read(ref r, materialize: true);
            if (action is null) return false;
            _offset += r.Position;
            Current = action;
            return true;
        }
    }
}
