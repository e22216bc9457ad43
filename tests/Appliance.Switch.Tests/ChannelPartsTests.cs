using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Switch.Tests;

/// <summary>The pieces the listener's checks are made of: the socket table, peer credentials, the OVSDB answer.</summary>
[TestClass]
public sealed class ChannelPartsTests
{
    // A listener on 127.0.0.1:6653 (uid 0), our end of a connection (uid 0), and the peer's end,
    // owned by uid 1000. Written as this little-endian machine's kernel prints it.
    private const string Tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:19FD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0000000000000000 100 0 0 10 0
           1: 0100007F:19FD 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 0000000000000000 20 4 30 10 -1
           2: 0100007F:D431 0100007F:19FD 01 00000000:00000000 00:00000000 00000000  1000        0 4713 1 0000000000000000 20 4 30 10 -1
        """;

    private const string Tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000001000000:D431 00000000000000000000000001000000:19FD 01 00000000:00000000 00:00000000 00000000   107        0 4714 1 0000000000000000 20 4 30 10 -1
        """;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TheSocketTableNamesThePeersOwner()
    {
        var listener = new IPEndPoint(IPAddress.Loopback, 6653);
        var peer = new IPEndPoint(IPAddress.Loopback, 0xD431);
        Assert.AreEqual(1000u, ProcNetTcp.FindOwner(Tcp.Split('\n'), peer, listener), "the peer's socket: its local address is our remote one");
        Assert.AreEqual(0u, ProcNetTcp.FindOwner(Tcp.Split('\n'), listener, peer), "our own end");
        Assert.IsNull(ProcNetTcp.FindOwner(Tcp.Split('\n'), new IPEndPoint(IPAddress.Loopback, 1), listener));
        Assert.AreEqual(107u, ProcNetTcp.FindOwner(Tcp6.Split('\n'), new IPEndPoint(IPAddress.IPv6Loopback, 0xD431), new IPEndPoint(IPAddress.IPv6Loopback, 6653)));
    }

    [TestMethod]
    public void GarbageInTheSocketTableMatchesNothing()
    {
        string[] lines = ["", "   0: zz", "   1: 0100007F:19FD 0100007F", "   2: 0100007F:19FD 0100007F:D431 01 x x x notanumber"];
        Assert.IsNull(ProcNetTcp.FindOwner(lines, new IPEndPoint(IPAddress.Loopback, 6653), new IPEndPoint(IPAddress.Loopback, 0xD431)));
    }

    [TestMethod]
    public async Task ALoopbackTcpPeerOfThisProcessIsRootAndAllowed()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.LocalEndPoint!, TestContext.CancellationToken);
        using var accepted = await server.AcceptAsync(TestContext.CancellationToken);
        var peer = PeerOwner.Identify(accepted);
        Assert.AreEqual(new PeerIdentity(0, null, false), peer);
        Assert.IsTrue(new PeerOwner(PeerOwner.OvsRunDirectory).IsAllowed(peer));
    }

    [TestMethod]
    public async Task AUnixPeerIsNamedByTheKernel()
    {
        var path = Path.Combine(Path.GetTempPath(), $"chan-{Guid.NewGuid():N}.sock"[..18]);
        using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        server.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), TestContext.CancellationToken);
        using var accepted = await server.AcceptAsync(TestContext.CancellationToken);
        Assert.AreEqual(new PeerIdentity(0, Environment.ProcessId, false), PeerOwner.Identify(accepted));
    }

    [TestMethod]
    public void OnlyRootOrOpenVSwitchsUserIsAllowed()
    {
        var directory = Directory.CreateTempSubdirectory("chan-");
        try
        {
            var owners = new PeerOwner(directory.FullName);
            Assert.IsTrue(owners.IsAllowed(new PeerIdentity(0, 1, false)));
            Assert.IsFalse(owners.IsAllowed(new PeerIdentity(65534, 1, false)));
            Assert.IsFalse(owners.IsAllowed(new PeerIdentity(null, null, false)), "an unknown local owner is refused");
            Assert.IsTrue(owners.IsAllowed(new PeerIdentity(null, null, true)), "a remote host is allow_remote's business");
            var pidFile = Path.Combine(directory.FullName, "ovs-vswitchd.pid");
            File.WriteAllText(pidFile, "1\n");
            File.SetUnixFileMode(pidFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.AreEqual(0, Chown(pidFile, 65534, 65534));
            Assert.IsTrue(owners.IsAllowed(new PeerIdentity(65534, 1, false)), "OVS running as its own user");
            Assert.IsFalse(owners.IsAllowed(new PeerIdentity(1000, 1, false)));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void TheOvsdbQuerySelectsOneColumnOfOneBridge()
    {
        Assert.AreEqual(
            """{"id":1,"method":"transact","params":["Open_vSwitch",{"op":"select","table":"Bridge","where":[["name","==","br0"]],"columns":["datapath_id"]}]}""",
            Encoding.UTF8.GetString(OvsdbClient.SelectDatapathId("br0")));
        using var escaped = System.Text.Json.JsonDocument.Parse(OvsdbClient.SelectDatapathId("br\"0"));
        Assert.AreEqual("br\"0", escaped.RootElement.GetProperty("params")[1].GetProperty("where")[0][2].GetString(), "a bridge name is data, never JSON");
    }

    [TestMethod]
    public void TheOvsdbAnswerGivesTheDatapathId()
    {
        Assert.AreEqual(0x00000200c6120706UL, Parse("""{"id":1,"result":[{"rows":[{"datapath_id":"00000200c6120706"}]}],"error":null}"""));
        Assert.IsNull(Parse("""{"id":1,"result":[{"rows":[{"datapath_id":["set",[]]}]}],"error":null}"""), "not assigned yet");
    }

    [TestMethod]
    [DataRow("""{"id":1,"result":[{"rows":[]}],"error":null}""", "no bridge named")]
    [DataRow("""{"id":1,"result":null,"error":"unknown database"}""", "refused")]
    [DataRow("""{"id":1,"result":[{"error":"syntax error","details":"x"}]}""", "refused")]
    [DataRow("""{"id":2,"result":[],"error":null}""", "not the reply")]
    [DataRow("""{"id":1,"result":[{"rows":[{"datapath_id":"12"}]}],"error":null}""", "16 hex digits")]
    [DataRow("""{"id":1,"result":[{"rows":[{"datapath_id":7}]}],"error":null}""", "unexpected shape")]
    [DataRow("""[1,2]""", "not the reply")]
    public void AnOvsdbAnswerWithoutAnIdSaysWhy(string answer, string why)
    {
        var thrown = Assert.ThrowsExactly<OvsdbException>(() => Parse(answer));
        StringAssert.Contains(thrown.Message, why);
    }

    private static ulong? Parse(string answer) => OvsdbClient.ParseDatapathId(Encoding.UTF8.GetBytes(answer), "br0");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown(string path, uint owner, uint group);
}
