using Appliance.Api;
using Appliance.Policy;

namespace Appliance.Api.Tests;

/// <summary>
/// A stand-in firmware for tests of endpoints that do not ask it anything: no status yet, no metrics, and every request
/// refused. <paramref name="events"/> is the journal the API serves, when a test writes to it.
/// </summary>
internal sealed class IdleControl(EventLog? events = null) : IApplianceControl
{
    public ApplianceStatus Status { get; } = ApplianceStatus.Refused([]);

    public EventLog Events { get; } = events ?? new();

    public ProbeMetrics Probes { get; } = new([]);

    public GuardMetrics Guards { get; } = new();

    public ConnectionCounts Connections { get; } = new();

    public Task<RequestOutcome> FailbackAsync(string source) => Task.FromResult(new RequestOutcome(false, "not here"));

    public Task<RequestOutcome> PressAsync(PressKind kind, string source) => Task.FromResult(new RequestOutcome(false, "not here"));
}
