namespace Appliance.Api;

/// <summary>
/// The connections each server carries, as the switch's connection tracking counts them (one
/// zone per server), for <c>/api/status</c>, <c>/metrics</c> and the status page. The firmware
/// reads them every few seconds and replaces them as a whole; a server missing, or null, is
/// unknown (docs/api.md says when).
/// </summary>
public sealed class ConnectionCounts
{
    private volatile IReadOnlyDictionary<string, uint?> _counts = new Dictionary<string, uint?>();

    /// <summary>The connections <paramref name="server"/> carries; null while unknown.</summary>
    public uint? Of(string server) => _counts.GetValueOrDefault(server);

    /// <summary>
    /// The server still carries connections but is not the one serving: it gets no new connections
    /// and its established ones finish there (or move, if it goes down hard).
    /// </summary>
    public bool Draining(string server, string? active) => Of(server) > 0 && server != active;

    public void Publish(IReadOnlyDictionary<string, uint?> counts) => _counts = counts;
}
