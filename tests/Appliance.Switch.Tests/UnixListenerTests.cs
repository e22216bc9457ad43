using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Switch.Tests;

/// <summary>The unix-socket listener removes nothing but a socket it made, or a dead one in its way.</summary>
[TestClass]
public sealed class UnixListenerTests
{
    private const ulong Dpid = 0xc0ffee;

    public TestContext TestContext { get; set; } = null!;

    private string _directory = null!;

    [TestInitialize]
    public void MakeDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"chan-{Guid.NewGuid():N}"[..13]);
        Directory.CreateDirectory(_directory);
    }

    [TestCleanup]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private string SocketPath => Path.Combine(_directory, "of.sock");

    private static SwitchListener Listener(string path, RecordingHandler? handler = null) =>
        new(new UnixDomainSocketEndPoint(path), handler ?? new RecordingHandler(), DatapathBinding.Fixed(Dpid), new SwitchSessionOptions(), TimeProvider.System, NullLoggerFactory.Instance);

    [TestMethod]
    public async Task ARegularFileAtThePathIsNeitherDeletedNorReplaced()
    {
        await File.WriteAllTextAsync(SocketPath, "precious", TestContext.CancellationToken);
        await using var listener = Listener(SocketPath);
        var thrown = Assert.ThrowsExactly<IOException>(listener.Start);
        StringAssert.Contains(thrown.Message, "not a socket");
        Assert.AreEqual("precious", await File.ReadAllTextAsync(SocketPath, TestContext.CancellationToken));
    }

    [TestMethod]
    public async Task ASocketSomebodyListensOnIsLeftToThem()
    {
        using var other = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        other.Bind(new UnixDomainSocketEndPoint(SocketPath));
        other.Listen(1);
        await using (var listener = Listener(SocketPath))
        {
            var thrown = Assert.ThrowsExactly<IOException>(listener.Start);
            StringAssert.Contains(thrown.Message, "another process listens");
        }
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), TestContext.CancellationToken);
        using var accepted = await other.AcceptAsync(TestContext.CancellationToken);
        Assert.IsTrue(accepted.Connected, "the other listener still owns the path");
    }

    [TestMethod]
    public async Task ADeadSocketLeftByAnEarlierRunIsReplaced()
    {
        // A run that was killed leaves its socket file behind. (.NET removes the file of a socket it
        // disposes, so the file is moved away for the close and back afterwards.)
        var aside = SocketPath + ".aside";
        using (var earlier = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            earlier.Bind(new UnixDomainSocketEndPoint(SocketPath));
            earlier.Listen(1);
            File.Move(SocketPath, aside);
        }
        File.Move(aside, SocketPath);
        var handler = new RecordingHandler();
        await using var listener = Listener(SocketPath, handler);
        listener.Start();
        await using var fake = await FakeSwitch.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        await fake.HandshakeAsync(Dpid, FakeSwitch.Port(1));
        await handler.WaitForAsync(h => h.Connected.Count == 1, "the session over the unix socket");
    }

    [TestMethod]
    public async Task StoppingRemovesOurSocket()
    {
        var listener = Listener(SocketPath);
        listener.Start();
        Assert.IsTrue(File.Exists(SocketPath));
        await listener.DisposeAsync();
        Assert.IsFalse(File.Exists(SocketPath));
    }

    [TestMethod]
    public async Task StoppingLeavesAFileThatReplacedOurSocket()
    {
        var listener = Listener(SocketPath);
        listener.Start();
        File.Delete(SocketPath);
        await File.WriteAllTextAsync(SocketPath, "someone else's", TestContext.CancellationToken);
        await listener.DisposeAsync();
        Assert.AreEqual("someone else's", await File.ReadAllTextAsync(SocketPath, TestContext.CancellationToken));
    }
}
