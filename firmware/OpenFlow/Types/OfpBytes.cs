namespace Appliance.OpenFlow;

/// <summary>
/// Opaque bytes inside a message (echo data, packet data, error data) with value equality, so that
/// messages holding them compare by content. Decoded instances are views of the receive buffer.
/// </summary>
public readonly struct OfpBytes : IEquatable<OfpBytes>
{
    public OfpBytes(ReadOnlyMemory<byte> memory) => Memory = memory;

    public static OfpBytes Empty => default;

    public ReadOnlyMemory<byte> Memory { get; }

    public ReadOnlySpan<byte> Span => Memory.Span;

    public int Length => Memory.Length;

    public static implicit operator OfpBytes(byte[] bytes) => new(bytes);

    public static implicit operator OfpBytes(ReadOnlyMemory<byte> memory) => new(memory);

    /// <summary>A copy that no longer refers to the receive buffer.</summary>
    public OfpBytes Detach() => new(Memory.ToArray());

    public bool Equals(OfpBytes other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is OfpBytes other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(OfpBytes left, OfpBytes right) => left.Equals(right);

    public static bool operator !=(OfpBytes left, OfpBytes right) => !left.Equals(right);

    public override string ToString() => Length == 0 ? "[]" : Convert.ToHexStringLower(Span);
}
