using Appliance.Policy;

namespace Appliance.Api;

/// <summary>What the API needs from the firmware: its state, and the operator's two requests.</summary>
public interface IApplianceControl
{
    ApplianceStatus Status { get; }

    EventLog Events { get; }

    ProbeMetrics Probes { get; }

    /// <summary>What the switch's ingress guard dropped (spoofed MACs and addresses).</summary>
    GuardMetrics Guards { get; }

    /// <summary>The connections each server carries, from the switch's connection tracking.</summary>
    ConnectionCounts Connections { get; }

    /// <summary>Return to the highest-priority healthy server.</summary>
    Task<RequestOutcome> FailbackAsync(string source);

    /// <summary>The front-panel button: a short press asks for failback, a long one moves service to the next server.</summary>
    Task<RequestOutcome> PressAsync(PressKind kind, string source);

    /// <summary>Moves the active role between the boxes of a pair: take over (standby) or hand over (active). A box on its own refuses.</summary>
    Task<RequestOutcome> PairMoveAsync(PairMoveKind kind, string source) => Task.FromResult(new RequestOutcome(false, "this box is not one of a pair"));
}

