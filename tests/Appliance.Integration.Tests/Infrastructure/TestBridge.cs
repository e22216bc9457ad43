using System.Net;
using System.Net.Sockets;

namespace Appliance.Integration.Tests;

/// <summary>
/// A userspace OVS bridge made with the product's own ovs-config/setup-bridge, with veth pairs as
/// ports 1..N whose far ends stay in the root namespace (enough to pull a link). Disposal removes it all.
/// </summary>
internal sealed class TestBridge : IDisposable
{
    private TestBridge(string name, int controllerPort, int ports)
    {
        Name = name;
        ControllerPort = controllerPort;
        PortCount = ports;
    }

    public string Name { get; }

    public int ControllerPort { get; }

    public int PortCount { get; }

    public IPEndPoint ControllerEndPoint => new(IPAddress.Loopback, ControllerPort);

    /// <summary>The fixed datapath id that setup-bridge derives from the management MAC.</summary>
    public ulong DatapathId => 0x0000_0200_c613_0006;

    /// <summary>The root-namespace end of port <paramref name="port"/>'s veth: take it down to pull the link.</summary>
    public string FarEnd(int port) => $"{Name}-f{port}";

    public static TestBridge Create(int ports = 2)
    {
        var name = Host.NewName();
        var bridge = new TestBridge(name, FreeTcpPort(), ports);
        try
        {
            var args = new List<string>
            {
                "--bridge", name, "--datapath", "netdev", "--management", "198.19.0.6/24",
                "--mgmt-mac", "02:00:c6:13:00:06", "--controller", $"tcp:127.0.0.1:{bridge.ControllerPort}",
            };
            for (var port = 1; port <= ports; port++)
            {
                var near = $"{name}-p{port}";
                Sh.Check("ip", "link", "add", near, "type", "veth", "peer", "name", bridge.FarEnd(port));
                Sh.Check("ip", "link", "set", bridge.FarEnd(port), "up");
                Sh.Check("ip", "link", "set", near, "up");
                args.AddRange(["--port", $"{port}={near}"]);
            }
            Sh.Check(Path.Combine(Sh.RepositoryRoot, "ovs-config/setup-bridge"), [.. args]);
            return bridge;
        }
        catch
        {
            bridge.Dispose();
            throw;
        }
    }

    public void SetLink(int port, bool up) => Sh.Check("ip", "link", "set", FarEnd(port), up ? "up" : "down");

    public string DumpFlows() => Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", Name);

    public void Dispose()
    {
        Sh.Try(Path.Combine(Sh.RepositoryRoot, "ovs-config/teardown-bridge"), "--bridge", Name);
        Sh.Try("ovs-vsctl", "--if-exists", "del-br", Name);
        for (var port = 1; port <= PortCount; port++) Sh.Try("ip", "link", "del", FarEnd(port));
    }

    private static int FreeTcpPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
