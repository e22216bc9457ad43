namespace Appliance.Health;

/// <summary>
/// One kind of health probe. A probe is stateless towards its caller and may run many times at
/// once (the schedule overlaps probes when the timeout is longer than the interval).
/// </summary>
/// <remarks>
/// The token is the probe's deadline: when it fires, the probe gives up and returns a failed
/// outcome that says what it was waiting for (<see cref="ProbeDetails.Timeout"/>,
/// <see cref="ProbeDetails.NoArpReply"/> …) rather than throwing, so that the caller need not
/// guess which phase hung. Probes never block the calling thread: the scheduler starts them inline.
/// </remarks>
public interface IHealthProbe : IAsyncDisposable
{
    ProbeKind Kind { get; }

    ValueTask<ProbeOutcome> ProbeAsync(ServerTarget target, CancellationToken cancellationToken);
}
