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
    public static ActionList Read(ref OfpReader r, int length) => new(EncodedList.Read<OfpAction>(ref r, length, "actions_len"));

    public void Write(ref OfpWriter w) => w.WriteBytes(_bytes.Span);

    public Enumerator<OfpAction> GetEnumerator() => new(_bytes);

    IEnumerator<OfpAction> IEnumerable<OfpAction>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(ActionList other) => EncodedList.Equal(_bytes, other._bytes);

    public override bool Equals(object? obj) => obj is ActionList other && Equals(other);

    public override int GetHashCode() => EncodedList.Hash(_bytes);

    public static bool operator ==(ActionList left, ActionList right) => left.Equals(right);

    public static bool operator !=(ActionList left, ActionList right) => !left.Equals(right);

    public override string ToString() => EncodedList.Print<OfpAction>(_bytes);
}
