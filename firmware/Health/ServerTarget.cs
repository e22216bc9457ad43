using System.Net;

namespace Appliance.Health;

/// <summary>What a probe is aimed at: the server's name (for results and logs) and its real address.</summary>
public sealed record ServerTarget(string Name, IPAddress Address)
{
    public static ServerTarget From(ServerConfig server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return new ServerTarget(server.Name, server.Address);
    }

    public override string ToString() => $"{Name} ({Address})";
}
