namespace Appliance.Controller;

/// <summary>
/// Tells of the servers' port carriers from outside the OpenFlow channel, which may be busy or
/// down when a cable is pulled; it reports through <see cref="ApplianceController.ReportCarrier"/>.
/// </summary>
public interface ICarrierWatch : IAsyncDisposable
{
    /// <summary>Watches these interfaces (interface name → server name) from now on, in place of any watched before.</summary>
    Task WatchAsync(IReadOnlyDictionary<string, string> servers);
}
