namespace Appliance.Policy;

/// <summary>Whether the settings the two boxes of a pair must share are the same on both (docs/pair.md#settings).</summary>
public enum PairSettingsState
{
    /// <summary>Not compared: the peer's configuration could not be read (<see cref="PairSettingsStatus.Why"/>), or no <c>pair.peer_api</c>.</summary>
    Unknown,

    /// <summary>Every shared key has the same value on both boxes.</summary>
    Same,

    /// <summary>Some shared keys differ (<see cref="PairSettingsStatus.Keys"/>): a takeover would change how the office is served. A fault.</summary>
    Differ,
}

/// <param name="Keys">The shared keys whose values differ between the boxes (<see cref="PairSettingsState.Differ"/> only).</param>
/// <param name="Why">For <see cref="PairSettingsState.Unknown"/>: why the peer's configuration could not be compared.</param>
public sealed record PairSettingsStatus(PairSettingsState State, IReadOnlyList<string> Keys, string Why)
{
    /// <summary>
    /// For <see cref="PairSettingsState.Unknown"/>: the peer's API gave no answer at all (cannot be reached, or silent
    /// past the time allowed). A refusal or a bad answer is not silence: something answered.
    /// </summary>
    public bool PeerSilent { get; init; }

    public static PairSettingsStatus NotCompared { get; } = new(PairSettingsState.Unknown, [], "not compared yet");

    /// <summary>Same state and same keys: what the events are told on.</summary>
    public bool SameOutcome(PairSettingsStatus other) =>
        other is not null && State == other.State && Keys.SequenceEqual(other.Keys, StringComparer.Ordinal);
}

/// <summary>This box compared its configuration with the peer's (every few seconds, <c>pair.peer_api</c>).</summary>
public sealed record PairSettingsCompared(TimeSpan At, PairSettingsStatus Settings) : PolicyInput(At);
