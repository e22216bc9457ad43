using System.Collections.Immutable;
using Appliance.Api;
using Appliance.Policy;

namespace Appliance.Tests.Shared;

/// <summary>
/// A stand-in firmware behind a real <see cref="ApiServer"/>, for tests of the API rather than of the firmware: it
/// serves <see cref="Pair"/> as its status (null: a box on its own) and <paramref name="events"/> as its journal, refuses
/// a failback and a press, records every move between the boxes and answers it as the test says (<see cref="OnMove"/>;
/// refused by default).
/// </summary>
internal sealed class StandInControl(PairStatus? pair = null, EventLog? events = null) : IApplianceControl
{
    /// <summary>A standby box that hears its peer as master on both paths.</summary>
    public static PairStatus Standby { get; } = new(PairRole.Standby,
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [new("lan", VrrpState.Backup), new KeyValuePair<string, VrrpState>("peer", VrrpState.Backup)]),
        TimeSpan.Zero, TimeSpan.Zero);

    private volatile PairStatus? _pair = pair;
    private readonly List<(PairMoveKind Kind, string Source)> _asked = [];

    public PairStatus? Pair
    {
        get => _pair;
        set => _pair = value;
    }

    /// <summary>What a move answers; it may change <see cref="Pair"/> as the firmware would.</summary>
    public Func<PairMoveKind, RequestOutcome> OnMove { get; set; } = _ => new RequestOutcome(false, "not here");

    /// <summary>The moves asked for, in order (the API serves requests on the thread pool).</summary>
    public (PairMoveKind Kind, string Source)[] Asked
    {
        get
        {
            lock (_asked) return [.. _asked];
        }
    }

    public ApplianceStatus Status => new(null, "manual", true, null, [], 0, PanelView.Dark, []) { Pair = _pair };

    public EventLog Events { get; } = events ?? new();

    public ProbeMetrics Probes { get; } = new([]);

    public GuardMetrics Guards { get; } = new();

    public ConnectionCounts Connections { get; } = new();

    public Task<RequestOutcome> FailbackAsync(string source) => Task.FromResult(new RequestOutcome(false, "not here"));

    public Task<RequestOutcome> PressAsync(PressKind kind, string source) => Task.FromResult(new RequestOutcome(false, "not here"));

    public Task<RequestOutcome> PairMoveAsync(PairMoveKind kind, string source)
    {
        lock (_asked) _asked.Add((kind, source));
        return Task.FromResult(OnMove(kind));
    }
}
