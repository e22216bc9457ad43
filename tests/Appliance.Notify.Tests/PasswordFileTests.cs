using System.Net;
using System.Net.Sockets;
using Appliance.Config;
using Microsoft.Extensions.Logging.Abstractions;
using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

/// <summary>
/// <c>notify.email.password_file</c> is read at every send, bounded: read whole, <c>/dev/zero</c> ran the firmware out of
/// memory (systemd's MemoryMax killed it, and again after each restart).
/// </summary>
[TestClass]
public sealed class PasswordFileTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [Timeout(60_000)]
    public async Task ADeviceFailsTheSendAndSaysWhy()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => Channel("/dev/zero").SendAsync(Delivery.Of(Failover(T0)), TestContext.CancellationToken));
        Assert.AreEqual("cannot read notify.email.password_file /dev/zero: it is not a regular file", error.Message);
    }

    [TestMethod]
    [Timeout(60_000)]
    public async Task AFileLargerThan4096BytesFailsTheSendAndSaysWhy()
    {
        var file = TempFile();
        await File.WriteAllTextAsync(file, "s3cret\n" + new string('x', 1024 * 1024), TestContext.CancellationToken);
        var error = await Assert.ThrowsAsync<IOException>(() => Channel(file).SendAsync(Delivery.Of(Failover(T0)), TestContext.CancellationToken));
        Assert.AreEqual($"cannot read notify.email.password_file {file}: it is larger than 4096 bytes, so it holds no password (its first line)", error.Message);
    }

    [TestMethod]
    public void AFileOf4096BytesGivesItsFirstLine()
    {
        var file = TempFile();
        File.WriteAllText(file, "\uFEFFs3cret\r\n" + new string('#', EmailChannel.MaxPasswordFileBytes - 11));
        Assert.AreEqual(EmailChannel.MaxPasswordFileBytes, new FileInfo(file).Length);
        Assert.AreEqual("s3cret", EmailChannel.ReadPassword(file));
        File.AppendAllText(file, "#");
        Assert.Throws<IOException>(() => EmailChannel.ReadPassword(file));
    }

    [TestMethod]
    [Timeout(60_000)]
    public async Task APipeWithoutAWriterIsNotOpened()
    {
        // Opened, a pipe nobody writes to would hold the channel's sender for good.
        var fifo = TempFile();
        File.Delete(fifo);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(TestContext.CancellationToken);
            Assert.AreEqual(0, mkfifo.ExitCode);
        }
        Assert.AreEqual($"cannot read notify.email.password_file {fifo}: it is not a regular file", Assert.Throws<IOException>(() => EmailChannel.ReadPassword(fifo)).Message);
    }

    [TestMethod]
    public void AMissingFileSaysSo()
    {
        var file = TempFile();
        File.Delete(file);
        StringAssert.StartsWith(Assert.Throws<IOException>(() => EmailChannel.ReadPassword(file)).Message, $"cannot read notify.email.password_file {file}: ");
    }

    [TestMethod]
    [Timeout(60_000)]
    public async Task TheTestCountsItFailedAndTheQueueGoesOn()
    {
        await using var notifier = Notifier.Start(NotifyConfig.None, null, "box1", [Channel("/dev/zero")], TimeProvider.System, NullLoggerFactory.Instance);
        var result = await notifier.TestAsync(TestContext.CancellationToken);
        Assert.IsFalse(result.Ok);
        StringAssert.EndsWith(result.Channels[0].Message, ": cannot read notify.email.password_file /dev/zero: it is not a regular file");
        CollectionAssert.Contains(notifier.Counts().ToList(), ("email", NotifyCounts.Failed, 1L));
    }

    /// <summary>A channel to a port nobody listens on: the password is read before connecting, so the send fails on it first.</summary>
    private static EmailChannel Channel(string passwordFile)
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        return new EmailChannel(new EmailConfig("127.0.0.1", port, MailSecurity.None, "box@example.com", passwordFile, "box@example.com", ["it@example.com"]), null);
    }

    private readonly List<string> _files = [];

    private string TempFile()
    {
        var file = Path.GetTempFileName();
        _files.Add(file);
        return file;
    }

    [TestCleanup]
    public void RemoveFiles()
    {
        foreach (var file in _files) File.Delete(file);
    }
}
