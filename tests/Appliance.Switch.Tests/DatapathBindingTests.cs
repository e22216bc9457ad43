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

            var datapathId = 0xaUL;
            await using var ovsdb = FakeUnixDaemon.Start(socket, request =>
                $$"""{"id":1,"result":[{"rows":[{"datapath_id":"{{datapathId:x16}}"}]}],"error":null}""");
            Assert.IsTrue((await binding.CheckAsync(0xa, TestContext.CancellationToken)).Accepted, "asked again: OVSDB answers now");
            Assert.HasCount(1, ovsdb.Requests);
            StringAssert.Contains(ovsdb.Requests[0], "\"select\"");
            Assert.IsTrue((await binding.CheckAsync(0xa, TestContext.CancellationToken)).Accepted);
            Assert.HasCount(1, ovsdb.Requests, "a known ID needs no asking");

            datapathId = 0xb; // OVS gave the bridge another ID
            Assert.IsTrue((await binding.CheckAsync(0xb, TestContext.CancellationToken)).Accepted);
            Assert.HasCount(2, ovsdb.Requests);
            var old = await binding.CheckAsync(0xa, TestContext.CancellationToken);
            Assert.IsFalse(old.Accepted, "the old ID is not the bridge's any more");
            StringAssert.Contains(old.Detail, "000000000000000a is not bridge br0's datapath (from OVSDB), 000000000000000b");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
