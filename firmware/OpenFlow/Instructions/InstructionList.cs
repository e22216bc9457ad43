namespace Appliance.OpenFlow;

/// <summary>
/// A flow entry's instructions in validated wire form, in execution order, at most one of each
/// type (OF1.3.5 §5.9). Same design as <see cref="ActionList"/>.
/// </summary>
public readonly struct InstructionList : IEquatable<InstructionList>, IEnumerable<OfpInstruction>
{
    private readonly ReadOnlyMemory<byte> _bytes;

    private InstructionList(ReadOnlyMemory<byte> bytes) => _bytes = bytes;

    /// <summary>No instructions: matching packets are dropped.</summary>
    public static InstructionList Empty => default;

    public int EncodedLength => _bytes.Length;

    public bool IsEmpty => _bytes.IsEmpty;

    public static InstructionList Of(params ReadOnlySpan<OfpInstruction> instructions)
    {
        var ordered = instructions.ToArray();
        Array.Sort(ordered, static (a, b) => a.ExecutionOrder.CompareTo(b.ExecutionOrder));
        var length = 0;
        for (var i = 0; i < ordered.Length; i++)
        {
            if (i > 0 && ordered[i].Type == ordered[i - 1].Type) throw new ArgumentException($"{ordered[i].Type} appears twice", nameof(instructions));
            length += ordered[i].EncodedLength;
        }
        var bytes = new byte[length];
        var w = new OfpWriter(bytes);
        foreach (var instruction in ordered) instruction.Write(ref w);
        w.AssertAt(length);
        return new InstructionList(bytes);
    }

    /// <summary>The common case: apply these actions.</summary>
    public static InstructionList Apply(params ReadOnlySpan<OfpAction> actions) => Of(new ApplyActionsInstruction(actions));

    public static InstructionList Read(ref OfpReader r, int length)
    {
        var list = r.Slice(length, OfpErrorCode.Of(OfpBadInstructionCode.BadLen), "instructions");
        var bytes = list.Memory;
        Span<bool> seen = stackalloc bool[8];
        while (list.Remaining > 0 && list.Ok)
        {
            var type = list.Remaining >= 2 ? (ushort)(list.RemainingSpan[0] << 8 | list.RemainingSpan[1]) : 0;
            OfpInstruction.Read(ref list, materialize: false);
            if (!list.Ok) break;
            if (seen[type])
            {
                list.Fail(OfpErrorCode.Of(OfpBadInstructionCode.UnsupInst), "instructions: duplicate type");
                break;
            }
            seen[type] = true;
        }
        r.Absorb(list);
        return r.Ok ? new InstructionList(bytes) : default;
    }

    public void Write(ref OfpWriter w) => w.WriteBytes(_bytes.Span);

    public Enumerator<OfpInstruction> GetEnumerator() => new(_bytes);

    IEnumerator<OfpInstruction> IEnumerable<OfpInstruction>.GetEnumerator() => GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(InstructionList other) => EncodedList.Equal(_bytes, other._bytes);

    public override bool Equals(object? obj) => obj is InstructionList other && Equals(other);

    public override int GetHashCode() => EncodedList.Hash(_bytes);

    public static bool operator ==(InstructionList left, InstructionList right) => left.Equals(right);

    public static bool operator !=(InstructionList left, InstructionList right) => !left.Equals(right);

    public override string ToString() => EncodedList.Print<OfpInstruction>(_bytes);
}
