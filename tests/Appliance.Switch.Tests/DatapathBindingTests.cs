using System.Net.Sockets;
using System.Text;

namespace Appliance.Switch.Tests;

/// <summary>openflow.datapath_id: a configured ID, or auto: OVSDB asked at start, again on another ID, and while it was unreachable.</summary>
[TestClass]
public sealed class DatapathBindingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task AConfiguredIdAcceptsOnlyItself()
    {
        var binding = DatapathBinding.Fixed(0x42);
        Assert.IsTrue((await binding.CheckAsync(0x42, TestContext.CancellationToken)).Accepted);
        var refused = await binding.CheckAsync(0x43, TestContext.CancellationToken);
        Assert.IsFalse(refused.Accepted);
        StringAssert.Contains(refused.Detail, "0000000000000043 is not the configured 0000000000000042");
    }

    [TestMethod]
    public async Task AutoAsksOvsdbAgainWhileItWasUnreachableAndWhenAnotherIdArrives()
    {
        var directory = Directory.CreateTempSubdirectory("chan-");
        try
        {
            var socket = Path.Combine(directory.FullName, "db.sock");
            var binding = DatapathBinding.FromOvsdb("br0", socket);
            StringAssert.Contains(await binding.RefreshAsync(TestContext.CancellationToken), "cannot reach OVSDB");
            var unconfirmed = await binding.CheckAsync(0xa, TestContext.CancellationToken);
            Assert.IsFalse(unconfirmed.Accepted, "nothing confirms it");
            StringAssert.Contains(unconfirmed.Detail, "cannot confirm datapath 000000000000000a");

            await using var ovsdb = FakeOvsdb.Start(socket, 0xa);
            Assert.IsTrue((await binding.CheckAsync(0xa, TestContext.CancellationToken)).Accepted, "asked again: OVSDB answers now");
            Assert.AreEqual(1, ovsdb.Queries);
            Assert.IsTrue((await binding.CheckAsync(0xa, TestContext.CancellationToken)).Accepted);
            Assert.AreEqual(1, ovsdb.Queries, "a known ID needs no asking");

            ovsdb.DatapathId = 0xb; // OVS gave the bridge another ID
            Assert.IsTrue((await binding.CheckAsync(0xb, TestContext.CancellationToken)).Accepted);
            Assert.AreEqual(2, ovsdb.Queries);
            var old = await binding.CheckAsync(0xa, TestContext.CancellationToken);
            Assert.IsFalse(old.Accepted, "the old ID is not the bridge's any more");
            StringAssert.Contains(old.Detail, "000000000000000a is not bridge br0's datapath (from OVSDB), 000000000000000b");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Answers every transact with one row holding <see cref="DatapathId"/>.</summary>
    private sealed class FakeOvsdb : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly CancellationTokenSource _stop = new();
        private Task _serving = Task.CompletedTask;
        private int _queries;

        public ulong DatapathId { get; set; }

        public int Queries => Volatile.Read(ref _queries);

        public static FakeOvsdb Start(string path, ulong datapathId)
        {
            var fake = new FakeOvsdb { DatapathId = datapathId };
            fake._listener.Bind(new UnixDomainSocketEndPoint(path));
            fake._listener.Listen(4);
            fake._serving = fake.ServeAsync();
            return fake;
        }

        private async Task ServeAsync()
        {
            var buffer = new byte[4096];
            while (!_stop.IsCancellationRequested)
            {
                using var connection = await _listener.AcceptAsync(_stop.Token);
                var read = await connection.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                StringAssert.Contains(Encoding.UTF8.GetString(buffer, 0, read), "\"select\"");
                Interlocked.Increment(ref _queries);
                await connection.SendAsync(Encoding.UTF8.GetBytes($$"""{"id":1,"result":[{"rows":[{"datapath_id":"{{DatapathId:x16}}"}]}],"error":null}"""), SocketFlags.None, _stop.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Dispose();
            await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
        }
    }
}
