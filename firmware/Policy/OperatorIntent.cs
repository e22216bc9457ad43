using System.Collections.Immutable;

namespace Appliance.Policy;

/// <summary>
/// What the operator asked for that must outlive a restart of the firmware. The firmware saves it
/// whenever it changes and hands it back at start (<see cref="IntentRestored"/>); without it, a
/// restart would send traffic back to a server under maintenance.
/// </summary>
/// <param name="Drained">The servers moved out with a long press, in priority order: out until a failback request.</param>
/// <param name="ManualHold">
/// With <c>failback: manual</c>, once service has left the master: the server serving, which keeps
/// serving while it can until a failback request. Null otherwise.
/// </param>
public sealed record OperatorIntent(ImmutableArray<string> Drained, string? ManualHold)
{
    public static OperatorIntent None { get; } = new([], null);

    public bool IsNone => Drained.IsEmpty && ManualHold is null;

    public bool Equals(OperatorIntent? other) =>
        other is not null && ManualHold == other.ManualHold && Drained.SequenceEqual(other.Drained);

    public override int GetHashCode() => HashCode.Combine(ManualHold, Drained.Length);

    public override string ToString() => IsNone ? "nothing drained or held" : string.Join("; ", Parts());

    private IEnumerable<string> Parts()
    {
        if (!Drained.IsEmpty) yield return $"{string.Join(", ", Drained)} drained";
        if (ManualHold is { } held) yield return $"{held} serves until a failback";
    }
}
