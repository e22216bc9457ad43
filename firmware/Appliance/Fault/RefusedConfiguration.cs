using Appliance.Api;
using Appliance.Config;
using Appliance.Policy;

namespace Appliance.Fault;

/// <summary>
/// The firmware as the API sees it while its configuration is refused (<c>appliance fault</c>): the
/// reasons, the fault LED and an event per refusal in <see cref="Status"/>; every request refused.
/// </summary>
/// <param name="events">The event history the refusals are added to.</param>
internal sealed class RefusedConfiguration(string path, TimeProvider time, EventLog events) : IApplianceControl
{
    private volatile ApplianceStatus _status = ApplianceStatus.Refused([]);

    public ApplianceStatus Status => _status;

    public EventLog Events { get; } = events;

    public ProbeMetrics Probes { get; } = new([]);

    /// <summary>Nothing: without the firmware nobody reads the switch's guard.</summary>
    public GuardMetrics Guards { get; } = new();

    /// <summary>Nothing: no servers are shown.</summary>
    public ConnectionCounts Connections { get; } = new();

    /// <summary>The reply to any request, and what the button's refusal blink means.</summary>
    public RequestOutcome Refusal => new(false, $"refused: the firmware does not run, its configuration is refused: fix {path} (the reasons: GET /api/status, or appliance check)");

    /// <summary>Shows <paramref name="errors"/> as the reasons from now on.</summary>
    public void Refuse(IReadOnlyList<ConfigError> errors)
    {
        _status = ApplianceStatus.Refused(errors);
        var count = errors.Count == 1 ? "1 error" : $"{errors.Count} errors";
        Events.Add(new LoggedEvent(time.GetUtcNow(), EventKind.ConfigRefused, null, $"configuration refused ({count} in {path}); the firmware does not run"));
    }

    public Task<RequestOutcome> FailbackAsync(string source) => Task.FromResult(Refusal);

    public Task<RequestOutcome> PressAsync(PressKind kind, string source) => Task.FromResult(Refusal);
}
