using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Switch.Tests;

/// <summary>Only root (or Open vSwitch's own user) may be our switch: a local non-root process is refused at accept.</summary>
[TestClass]
public sealed class PeerOwnerTests
{
    private const ulong Dpid = 0xc0ffee;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AConnectionFromThisProcessAsRootIsAccepted()
    {
        Assert.AreEqual(0u, Getuid(), "these tests run as root");
        var handler = new RecordingHandler();
        await using var listener = new SwitchListener(new IPEndPoint(IPAddress.Loopback, 0), handler, DatapathBinding.Fixed(Dpid), new SwitchSessionOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        listener.Start();
        await using var fake = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        await fake.HandshakeAsync(Dpid, FakeSwitch.Port(1));
        await handler.WaitForAsync(h => h.Connected.Count == 1, "the session");
    }

    [TestMethod]
    public async Task ANonRootProcessConnectingOverLoopbackTcpIsRefusedBeforeTheHandshake()
    {
        var handler = new RecordingHandler();
        await using var listener = new SwitchListener(new IPEndPoint(IPAddress.Loopback, 0), handler, DatapathBinding.Fixed(Dpid), new SwitchSessionOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var received = await AsNobodyAsync($"socket.create_connection(('127.0.0.1', {port}))");
        Assert.AreEqual(0, received, "not even our HELLO reaches a non-root peer");
        Assert.IsEmpty(handler.Connected);
    }

    [TestMethod]
    public async Task ANonRootProcessConnectingOverAUnixSocketIsRefusedBeforeTheHandshake()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"chan-{Guid.NewGuid():N}"[..13]);
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "of.sock");
            var handler = new RecordingHandler();
            await using var listener = new SwitchListener(new UnixDomainSocketEndPoint(path), handler, DatapathBinding.Fixed(Dpid), new SwitchSessionOptions(), TimeProvider.System, NullLoggerFactory.Instance);
            listener.Start();
            // Let anyone connect, so that only the owner check stands in the way.
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
            var received = await AsNobodyAsync($"unix('{path}')");
            Assert.AreEqual(0, received, "not even our HELLO reaches a non-root peer");
            Assert.IsEmpty(handler.Connected);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Runs a client as user nobody that connects with <paramref name="connect"/> (a Python
    /// expression), sends an OpenFlow 1.3 HELLO and counts the bytes that come back before the
    /// connection ends. Python is there wherever Open vSwitch is (its tools need it).
    /// </summary>
    private async Task<int> AsNobodyAsync(string connect)
    {
        const string Client = """
            import socket, sys
            def unix(path):
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                return s
            s = eval(sys.argv[1])
            s.settimeout(4)
            n = 0
            try:
                s.sendall(bytes.fromhex('0400000800000001'))
                while (b := s.recv(4096)):
                    n += len(b)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                pass
            print(n)
            """;
        var start = new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", Client, connect])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.CancellationToken);
        await process.WaitForExitAsync(TestContext.CancellationToken);
        Assert.IsTrue(int.TryParse(output.Trim(), out var count), $"unexpected output '{output}', stderr: {error}");
        return count;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getuid")]
    private static extern uint Getuid();
}
