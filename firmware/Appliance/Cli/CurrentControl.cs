using Appliance.Api;
using Appliance.Controller;
using Appliance.Policy;

namespace Appliance.Cli;

/// <summary>
/// The API's and the panel's way to the controller of the moment: applying a configuration replaces the controller,
/// while the API server and the panel may stay (docs/configuration.md#applying-a-change).
/// </summary>
internal sealed class CurrentControl(ApplianceController controller) : IApplianceControl
{
    private volatile ApplianceController _controller = controller;

    public ApplianceController Controller
    {
        get => _controller;
        set => _controller = value;
    }

    public ApplianceStatus Status => Controller.Status;

    public EventLog Events => Controller.Events;

    public ProbeMetrics Probes => Controller.Probes;

    public GuardMetrics Guards => Controller.Guards;

    public ConnectionCounts Connections => Controller.Connections;

    public Task<RequestOutcome> FailbackAsync(string source) => Controller.FailbackAsync(source);

    public Task<RequestOutcome> PressAsync(PressKind kind, string source) => Controller.PressAsync(kind, source);

    public Task<RequestOutcome> PairMoveAsync(PairMoveKind kind, string source) => Controller.PairMoveAsync(kind, source);
}
