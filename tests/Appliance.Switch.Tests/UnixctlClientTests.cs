using System.Text;

namespace Appliance.Switch.Tests;

/// <summary>ovs-vswitchd's control socket: the request, the reply, and a daemon that is away, stuck, refuses or babbles.</summary>
[TestClass]
public sealed class UnixctlClientTests
{
    private const string Limits = "default limit=0\nzone=100,limit=65536,count=3\nzone=101,limit=65536,count=0\n";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private DirectoryInfo _run = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void MakeRunDirectory() => _run = Directory.CreateTempSubdirectory("ctl-");

    [TestCleanup]
    public void RemoveRunDirectory() => _run.Delete(recursive: true);

    [TestMethod]
    public void TheRequestNamesTheCommandAndItsArgumentsAsStrings()
    {
        Assert.AreEqual("""{"id":1,"method":"dpctl/ct-get-limits","params":["zone=100,101"]}""",
            Encoding.UTF8.GetString(UnixctlClient.Request("dpctl/ct-get-limits", ["zone=100,101"])));
        using var escaped = System.Text.Json.JsonDocument.Parse(UnixctlClient.Request("x", ["a\"]}"]));
        Assert.AreEqual("a\"]}", escaped.RootElement.GetProperty("params")[0].GetString(), "an argument is data, never JSON");
    }

    [TestMethod]
    public void TheReplyGivesTheCommandsText()
    {
        Assert.AreEqual(Limits, Parse($$"""{"id":1,"result":{{Json(Limits)}},"error":null}"""));
        Assert.AreEqual("", Parse("""{"id":1,"result":""}"""));
    }

    [TestMethod]
    [DataRow("""{"id":1,"error":"ovs-vswitchd: invalid zone (Invalid argument)\n"}""", "ovs-vswitchd refused dpctl/ct-get-limits: ovs-vswitchd: invalid zone (Invalid argument)", DisplayName = "refused: its text, trimmed")]
    [DataRow("""{"id":1,"error":"line\nforged: \u001b[2J"}""", "refused dpctl/ct-get-limits: \"line\\nforged: \\u001b[2J\"", DisplayName = "refused with control characters: escaped")]
    [DataRow("""{"id":1,"error":{"code":7}}""", "refused dpctl/ct-get-limits: {\"code\":7}", DisplayName = "refused, not with text")]
    [DataRow("""{"id":2,"result":"x","error":null}""", "not the reply to dpctl/ct-get-limits", DisplayName = "another id")]
    [DataRow("""{"id":"1","result":"x"}""", "not the reply", DisplayName = "id as text")]
    [DataRow("""{"id":99999999999999999999,"result":"x"}""", "not the reply", DisplayName = "huge id")]
    [DataRow("""{"result":"x"}""", "not the reply", DisplayName = "no id")]
    [DataRow("""[1,2]""", "not the reply", DisplayName = "an array")]
    [DataRow("""{"id":1,"result":7,"error":null}""", "holds no text", DisplayName = "result a number")]
    [DataRow("""{"id":1,"error":null}""", "holds no text", DisplayName = "no result")]
    [DataRow("""{"id":1,"result":"x""", "not JSON", DisplayName = "cut short")]
    public void AReplyWithoutTextSaysWhy(string reply, string why)
    {
        var thrown = Assert.ThrowsExactly<UnixctlException>(() => Parse(reply));
        StringAssert.Contains(thrown.Message, why);
    }

    [TestMethod]
    public void ALongRefusalIsCut()
    {
        var thrown = Assert.ThrowsExactly<UnixctlException>(() => Parse($$"""{"id":1,"error":"{{new string('x', 5000)}}"}"""));
        Assert.IsLessThan(300, thrown.Message.Length, thrown.Message);
        StringAssert.EndsWith(thrown.Message, "...");
    }

    [TestMethod]
    public async Task TheCountsComeFromTheSocketNamedByThePidFile()
    {
        WritePid("4242\n");
        await using var vswitchd = FakeUnixDaemon.Start(Path.Combine(_run.FullName, "ovs-vswitchd.4242.ctl"), request =>
        [
            // The reply in three pieces: it is read until the JSON value is whole.
            .. Encoding.UTF8.GetBytes($$"""{"id":1,"result":{{Json(Limits)}},"error":null}""").Chunk(40),
        ]);

        var limits = await ConntrackLimits.ReadAsync([100, 101], Timeout, TestContext.CancellationToken, _run.FullName);

        Assert.AreEqual("""{"id":1,"method":"dpctl/ct-get-limits","params":["zone=100,101"]}""", vswitchd.Requests.Single());
        Assert.AreEqual(3U, limits.CountOf(100));
        Assert.AreEqual(0U, limits.CountOf(101));
    }

    [TestMethod]
    public async Task ARestartedVswitchdIsFoundByItsNewPid()
    {
        WritePid("100");
        await using var old = FakeUnixDaemon.Start(Path.Combine(_run.FullName, "ovs-vswitchd.100.ctl"), _ => $$"""{"id":1,"result":{{Json(Limits)}}}""");
        Assert.AreEqual(3U, (await ConntrackLimits.ReadAsync([100], Timeout, TestContext.CancellationToken, _run.FullName)).CountOf(100));

        WritePid("200");
        var thrown = await Assert.ThrowsExactlyAsync<UnixctlException>(() => ConntrackLimits.ReadAsync([100], Timeout, TestContext.CancellationToken, _run.FullName));
        StringAssert.Contains(thrown.Message, $"cannot reach ovs-vswitchd at {_run.FullName}/ovs-vswitchd.200.ctl");

        await using var restarted = FakeUnixDaemon.Start(Path.Combine(_run.FullName, "ovs-vswitchd.200.ctl"), _ => """{"id":1,"result":"default limit=0\nzone=100,limit=9,count=1"}""");
        Assert.AreEqual(1U, (await ConntrackLimits.ReadAsync([100], Timeout, TestContext.CancellationToken, _run.FullName)).CountOf(100));
    }

    [TestMethod]
    [DataRow(null, "cannot read ovs-vswitchd's pid file", DisplayName = "no pid file")]
    [DataRow("", "holds no pid", DisplayName = "empty")]
    [DataRow("abc\n", "holds no pid", DisplayName = "not a number")]
    [DataRow("-5\n", "holds no pid", DisplayName = "negative")]
    [DataRow("0\n", "holds no pid", DisplayName = "zero")]
    [DataRow("../../etc/x", "holds no pid", DisplayName = "a path")]
    [DataRow("99999999999999999999\n", "holds no pid", DisplayName = "past 32 bits")]
    [DataRow("1234                                                             ", "holds no pid", DisplayName = "longer than a pid file")]
    public void APidFileWithoutAPidSaysSo(string? content, string why)
    {
        if (content is not null) WritePid(content);
        var thrown = Assert.ThrowsExactly<UnixctlException>(() => UnixctlClient.SocketPath(_run.FullName));
        StringAssert.Contains(thrown.Message, why);
        StringAssert.Contains(thrown.Message, Path.Combine(_run.FullName, "ovs-vswitchd.pid"));
    }

    [TestMethod]
    public void TheSocketIsBesideThePidFile()
    {
        WritePid(" 31337\n");
        Assert.AreEqual(Path.Combine(_run.FullName, "ovs-vswitchd.31337.ctl"), UnixctlClient.SocketPath(_run.FullName));
    }

    [TestMethod]
    public async Task ADaemonThatNeverAnswersCostsTheTimeout()
    {
        var socket = Path.Combine(_run.FullName, "ovs-vswitchd.1.ctl");
        await using var stuck = FakeUnixDaemon.Start(socket, _ => []);

        var thrown = await Assert.ThrowsExactlyAsync<UnixctlException>(() => UnixctlClient.CallAsync(socket, "x", [], TimeSpan.FromMilliseconds(200), TestContext.CancellationToken));
        StringAssert.Contains(thrown.Message, "did not answer within 0.2 s");
    }

    [TestMethod]
    public async Task ADaemonThatBabblesIsCutOffAtTheBound()
    {
        var socket = Path.Combine(_run.FullName, "ovs-vswitchd.1.ctl");
        // An opened string that never ends: never a whole JSON value.
        await using var babbling = FakeUnixDaemon.Start(socket, _ => [Encoding.UTF8.GetBytes("{\"id\":1,\"result\":\""), .. Enumerable.Repeat(new byte[16 * 1024].Select(_ => (byte)'a').ToArray(), 8)]);

        var thrown = await Assert.ThrowsExactlyAsync<UnixctlException>(() => UnixctlClient.CallAsync(socket, "x", [], Timeout, TestContext.CancellationToken));
        StringAssert.Contains(thrown.Message, "ovs-vswitchd's answer is longer than 65536 bytes");
    }

    [TestMethod]
    public async Task ADaemonThatHangsUpOrSendsGarbageSaysSo()
    {
        var socket = Path.Combine(_run.FullName, "ovs-vswitchd.1.ctl");
        await using (FakeUnixDaemon.Start(socket, _ => [[]]))
        {
            var closed = await Assert.ThrowsExactlyAsync<UnixctlException>(() => UnixctlClient.CallAsync(socket, "x", [], Timeout, TestContext.CancellationToken));
            StringAssert.Contains(closed.Message, "ovs-vswitchd closed the connection without answering");
        }
        File.Delete(socket);
        await using (FakeUnixDaemon.Start(socket, _ => "}{ not json"))
        {
            var garbage = await Assert.ThrowsExactlyAsync<UnixctlException>(() => UnixctlClient.CallAsync(socket, "x", [], Timeout, TestContext.CancellationToken));
            StringAssert.Contains(garbage.Message, "ovs-vswitchd's answer is not JSON");
        }
    }

    [TestMethod]
    public async Task ARefusalReachesTheCaller()
    {
        WritePid("7");
        await using var vswitchd = FakeUnixDaemon.Start(Path.Combine(_run.FullName, "ovs-vswitchd.7.ctl"), _ => """{"id":1,"error":"multiple datapaths, specify one\n"}""");

        var thrown = await Assert.ThrowsExactlyAsync<UnixctlException>(() => ConntrackLimits.ReadAsync([100], Timeout, TestContext.CancellationToken, _run.FullName));
        Assert.AreEqual("ovs-vswitchd refused dpctl/ct-get-limits: multiple datapaths, specify one", thrown.Message);
    }

    private void WritePid(string content) => File.WriteAllText(Path.Combine(_run.FullName, "ovs-vswitchd.pid"), content);

    private static string Parse(string reply) => UnixctlClient.ParseReply(Encoding.UTF8.GetBytes(reply), "dpctl/ct-get-limits");

    private static string Json(string text) => $"\"{System.Text.Json.JsonEncodedText.Encode(text)}\"";
}
