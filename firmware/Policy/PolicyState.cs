using System.Collections.Immutable;
using Appliance.Config;

namespace Appliance.Policy;

/// <summary>Everything the policy knows, as one immutable value (for the API and the panel).</summary>
/// <param name="Intent">What the operator asked for that must outlive a restart: saved whenever it changes.</param>
/// <param name="Pair">This box's place in a pair; null for a box on its own.</param>
public sealed record PolicyState(
    ImmutableArray<ServerStatus> Servers,
    string? Active,
    bool SwitchConnected,
    int Failovers,
    FailbackMode Failback,
    DesiredSwitchState Desired,
    OperatorIntent Intent,
    PairStatus? Pair = null)
{
    public ServerStatus Master => Servers[0];

    public ServerStatus? Find(string name)
    {
        foreach (var server in Servers)
        {
            if (server.Name == name) return server;
        }
        return null;
    }

    /// <summary>This box serves nothing: it is the standby of a pair.</summary>
    public bool IsStandbyBox => Pair?.Role == PairRole.Standby;

    public ServerRole RoleOf(ServerStatus server, TimeSpan now) =>
        server.Name == Active ? ServerRole.Active : server.IsUsable(now) ? ServerRole.Standby : ServerRole.Down;
}
