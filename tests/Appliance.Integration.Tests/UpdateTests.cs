using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Appliance.Tests.Shared;

namespace Appliance.Integration.Tests;

/// <summary>
/// A/B updates (issue 16) through the firmware's real API and CLI, with a real RAUC 1.8 (<see cref="RaucRig"/>): a
/// bundle uploaded or downloaded is checked and written into the other slot; refused bundles fail with RAUC's reason;
/// requests without the token, of the wrong type, too large or while another runs are refused; the reboot is asked
/// for with a file; the trial boot's outcome is told once. One lab, rig and firmware for the class.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class UpdateTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan InstallWithin = TimeSpan.FromSeconds(60);

    private static Lab? s_lab;
    private static RaucRig? s_rig;
    private static Firmware? s_firmware;
    private static string s_config = "";

    public TestContext TestContext { get; set; } = null!;

    private static Lab TheLab => s_lab!;

    private static RaucRig Rig => s_rig!;

    private static Firmware TheFirmware => s_firmware!;

    private static string Spool => Path.Combine(TheLab.StateFolder, "update");

    private static string RebootFile => Path.Combine(Rig.Folder, "run", "reboot");

    [ClassInitialize]
    public static void StartAll(TestContext context)
    {
        try
        {
            s_rig = RaucRig.Start();
            File.WriteAllText(Path.Combine(s_rig.Folder, "os-release"), "ID=debian\nIMAGE_ID=appliance\nIMAGE_VERSION=\"1\"\n");
            s_lab = Host.NewLab();
            s_config = s_lab.WriteConfig("probe=http");
            s_firmware = Firmware.StartOn(s_lab, s_config, new Dictionary<string, string>
            {
                ["APPLIANCE_RAUC"] = s_rig.Command,
                ["APPLIANCE_OS_RELEASE"] = Path.Combine(s_rig.Folder, "os-release"),
                ["APPLIANCE_REBOOT_FILE"] = Path.Combine(s_rig.Folder, "run", "reboot"),
            });
            s_lab.WaitServing("master", Settle);
        }
        catch
        {
            StopAll();
            throw;
        }
    }

    [ClassCleanup]
    public static void StopAll()
    {
        s_firmware?.Dispose();
        s_firmware = null;
        s_lab?.Dispose();
        s_lab = null;
        s_rig?.Dispose();
        s_rig = null;
    }

    [TestMethod]
    public async Task AGoodBundleIsWrittenIntoTheOtherSlot()
    {
        var (bundle, image) = Rig.MakeBundle("2", 8 * 1024 * 1024);
        using var http = Api(token: true);
        var before = await GetAsync(http);
        Assert.AreEqual("1", before.GetProperty("system").GetProperty("version").GetString(), before.ToString());
        Assert.AreEqual("A", before.GetProperty("system").GetProperty("booted").GetString(), before.ToString());
        Assert.AreEqual(RaucRig.Compatible, before.GetProperty("system").GetProperty("compatible").GetString(), before.ToString());
        Assert.AreEqual(2, before.GetProperty("slots").GetArrayLength(), before.ToString());
        Assert.IsTrue(before.GetProperty("slots")[0].GetProperty("booted").GetBoolean(), "rootfs.0 (A) is booted: " + before);

        var started = Stopwatch.StartNew();
        using (var answer = await PostBundleAsync(http, bundle))
        {
            var body = await answer.Content.ReadAsStringAsync();
            Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, body);
            Assert.AreEqual(new FileInfo(bundle).Length, JsonDocument.Parse(body).RootElement.GetProperty("bytes").GetInt64(), body);
        }
        var uploaded = started.Elapsed;
        var done = await WaitEndAsync(http);
        TestContext.WriteLine($"8 MiB bundle: uploaded in {uploaded.TotalMilliseconds:0} ms, installed {started.Elapsed.TotalMilliseconds:0} ms after the POST");
        Assert.AreEqual("installed", done.GetProperty("operation").GetString(), done + "\n" + TheFirmware.LogTail(20));
        Assert.IsTrue(done.GetProperty("reboot_needed").GetBoolean());
        Assert.AreEqual(100, done.GetProperty("progress").GetInt32());
        Assert.AreEqual("2", done.GetProperty("bundle").GetProperty("version").GetString());
        Assert.AreEqual(JsonValueKind.Null, done.GetProperty("error").ValueKind);
        CollectionAssert.AreEqual(image, RaucRig.Head(Rig.SlotB, image.Length), "slot B holds the bundle's image");
        Assert.IsFalse(File.Exists(Path.Combine(Spool, "bundle.raucb")), "the bundle is removed after the install");
        var slotB = done.GetProperty("slots").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "rootfs.1");
        Assert.AreEqual("2", slotB.GetProperty("version").GetString(), done.ToString());
        Assert.AreEqual("B", slotB.GetProperty("bootname").GetString());
        Assert.AreNotEqual(JsonValueKind.Null, slotB.GetProperty("installed").ValueKind, done.ToString());
        TheFirmware.WaitForEvent("update 2 installed into rootfs.1; it runs after a reboot", Settle);
        Assert.IsTrue(TheFirmware.Events().Any(e => e.Kind == "update_installed"));
        File.Delete(bundle);
    }

    [TestMethod]
    public async Task AStreamThroughTheVipLosesNothingWhileABundleIsUploadedAndInstalled()
    {
        // Nearly the rig's whole 64 MiB slot, random so that nothing compresses: RAUC reads, checks and writes
        // for seconds on the machine that also runs the switch and the firmware.
        var (bundle, image) = Rig.MakeBundle("5", 56 * 1024 * 1024);
        using var http = Api(token: true);
        var stream = TheLab.StartUdpStream(TimeSpan.FromSeconds(15), rate: 1000);
        await Task.Delay(1000);
        var started = Stopwatch.StartNew();
        using (var answer = await PostBundleAsync(http, bundle))
            Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        var uploaded = started.Elapsed;
        var done = await WaitEndAsync(http);
        var installed = started.Elapsed;
        var result = await stream.ResultAsync();
        TestContext.WriteLine($"56 MiB bundle: uploaded in {uploaded.TotalMilliseconds:0} ms, installed {installed.TotalMilliseconds:0} ms after the POST; stream: {result}");
        Assert.AreEqual("installed", done.GetProperty("operation").GetString(), done + "\n" + TheFirmware.LogTail(20));
        Assert.IsLessThan(TimeSpan.FromSeconds(13), installed, "the install ended while the stream still ran");
        CollectionAssert.AreEqual(image, RaucRig.Head(Rig.SlotB, image.Length), "slot B holds the bundle's image");
        Assert.AreEqual(0, result.GetProperty("lost").GetInt32(), result.ToString());
        Assert.IsGreaterThan(12000, result.GetProperty("sent").GetInt32(), result.ToString());
        File.Delete(bundle);
    }

    [TestMethod]
    public async Task ABundleSignedByAnotherKeyFailsWithRaucsReason()
    {
        var (bundle, _) = Rig.MakeBundle("3", 1024 * 1024, otherKey: true);
        var slotBefore = RaucRig.Head(Rig.SlotB, 1024 * 1024);
        using var http = Api(token: true);
        using (var answer = await PostBundleAsync(http, bundle))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        }
        var done = await WaitEndAsync(http);
        Assert.AreEqual("failed", done.GetProperty("operation").GetString(), done.ToString());
        StringAssert.Contains(done.GetProperty("error").GetString(), "signature verification failed", done.ToString());
        CollectionAssert.AreEqual(slotBefore, RaucRig.Head(Rig.SlotB, slotBefore.Length), "the slot is untouched");
        Assert.IsFalse(File.Exists(Path.Combine(Spool, "bundle.raucb")), "a refused bundle is removed too");
        TheFirmware.WaitForEvent("signature verification failed", Settle);
        Assert.IsTrue(TheFirmware.Events().Any(e => e.Kind == "update_failed" && e.Message.Contains("signature verification failed", StringComparison.Ordinal)));

        // Another system's bundle: RAUC's install refuses it (rauc info does not look at compatible).
        var (arm, _) = Rig.MakeBundle("4", 1024 * 1024, compatible: "appliance-arm64");
        using (var answer = await PostBundleAsync(http, arm))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        }
        var incompatible = await WaitEndAsync(http);
        Assert.AreEqual("failed", incompatible.GetProperty("operation").GetString(), incompatible.ToString());
        StringAssert.Contains(incompatible.GetProperty("error").GetString(), "Compatible mismatch", incompatible.ToString());
        File.Delete(bundle);
        File.Delete(arm);
    }

    [TestMethod]
    public async Task AFileThatIsNoBundleFails()
    {
        var junk = Path.Combine(Rig.Folder, "junk.raucb");
        var bytes = new byte[200_000];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(junk, bytes);
        using var http = Api(token: true);
        using (var answer = await PostBundleAsync(http, junk))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        }
        var done = await WaitEndAsync(http);
        Assert.AreEqual("failed", done.GetProperty("operation").GetString(), done.ToString());
        TestContext.WriteLine($"error: {done.GetProperty("error").GetString()}");
        StringAssert.Contains(done.GetProperty("error").GetString(), "bundle", done.ToString());
        Assert.IsFalse(File.Exists(Path.Combine(Spool, "bundle.raucb")));
    }

    [TestMethod]
    public async Task RequestsWithoutTokenOfAnotherTypeTooLargeOrDuringAnUploadAreRefused()
    {
        using var anonymous = Api(token: false);
        using var http = Api(token: true);
        var (bundle, image) = Rig.MakeBundle("5", 4 * 1024 * 1024);

        using (var noToken = await PostBundleAsync(anonymous, bundle)) Assert.AreEqual(HttpStatusCode.Unauthorized, noToken.StatusCode);
        using (var noToken = await anonymous.PostAsync("/api/update/reboot", null)) Assert.AreEqual(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.IsFalse(File.Exists(RebootFile), "nothing happens without the token");
        using (var form = await http.PostAsync("/api/update", new StringContent("url=http://x/", Encoding.UTF8, "application/x-www-form-urlencoded")))
        {
            Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        }
        using (var notHttp = await http.PostAsync("/api/update", new StringContent("""{"url": "file:///etc/passwd"}""", Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.BadRequest, notHttp.StatusCode);
        }

        // 413 on the announced length, before a byte of the body is read (over 2 GiB, the most ever taken).
        var status = await RawPostAsync($"Content-Type: application/octet-stream\r\nContent-Length: {3L * 1024 * 1024 * 1024}\r\n");
        StringAssert.StartsWith(status, "HTTP/1.1 413", status);

        // An upload under way: a second one and a reboot get 409 until it ends; then it installs.
        var hold = new TaskCompletionSource();
        var content = new HeldContent(File.ReadAllBytes(bundle), 1024 * 1024, hold.Task);
        var upload = http.PostAsync("/api/update", content);
        await WaitUntilAsync(http, d => d.GetProperty("operation").GetString() == "receiving" && d.GetProperty("bytes").GetInt64() > 0, "receiving");
        var receiving = await GetAsync(http);
        Assert.AreEqual(new FileInfo(bundle).Length, receiving.GetProperty("total").GetInt64(), receiving.ToString());
        using (var second = await PostBundleAsync(http, bundle))
        {
            Assert.AreEqual(HttpStatusCode.Conflict, second.StatusCode, await second.Content.ReadAsStringAsync());
        }
        using (var url = await http.PostAsync("/api/update", new StringContent("""{"url": "http://127.0.0.1:9/b.raucb"}""", Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Conflict, url.StatusCode);
        }
        using (var reboot = await http.PostAsync("/api/update/reboot", null))
        {
            Assert.AreEqual(HttpStatusCode.Conflict, reboot.StatusCode, await reboot.Content.ReadAsStringAsync());
        }
        Assert.IsFalse(File.Exists(RebootFile));
        hold.SetResult();
        using (var answer = await upload) Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        var done = await WaitEndAsync(http);
        Assert.AreEqual("installed", done.GetProperty("operation").GetString(), done.ToString());
        CollectionAssert.AreEqual(image, RaucRig.Head(Rig.SlotB, image.Length));
        File.Delete(bundle);
    }

    [TestMethod]
    public async Task ABundleIsDownloadedFromAUrl()
    {
        var (bundle, image) = Rig.MakeBundle("6", 2 * 1024 * 1024);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var serving = new CancellationTokenSource();
        var server = ServeAsync(listener, bundle, serving.Token);
        try
        {
            using var http = Api(token: true);
            using (var answer = await http.PostAsync("/api/update", new StringContent($$"""{"url": "http://127.0.0.1:{{port}}/bundle.raucb"}""", Encoding.UTF8, "application/json")))
            {
                var body = await answer.Content.ReadAsStringAsync();
                Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, body);
                Assert.AreEqual("downloading", JsonDocument.Parse(body).RootElement.GetProperty("operation").GetString(), body);
            }
            var done = await WaitEndAsync(http);
            Assert.AreEqual("installed", done.GetProperty("operation").GetString(), done + "\n" + TheFirmware.LogTail(20));
            Assert.AreEqual("6", done.GetProperty("bundle").GetProperty("version").GetString());
            CollectionAssert.AreEqual(image, RaucRig.Head(Rig.SlotB, image.Length));

            using (var answer = await http.PostAsync("/api/update", new StringContent($$"""{"url": "http://127.0.0.1:{{port}}/missing.raucb"}""", Encoding.UTF8, "application/json")))
            {
                Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode);
            }
            var missing = await WaitEndAsync(http);
            Assert.AreEqual("failed", missing.GetProperty("operation").GetString(), missing.ToString());
            StringAssert.Contains(missing.GetProperty("error").GetString(), "HTTP 404", missing.ToString());
            Assert.DoesNotContain("missing.raucb", missing.GetProperty("error").GetString()!, "the path is not shown: it may hold a secret");
        }
        finally
        {
            await serving.CancelAsync();
            listener.Stop();
            await server;
            File.Delete(bundle);
        }
    }

    [TestMethod]
    public async Task TheRebootIsAskedForWithAFile()
    {
        using var http = Api(token: true);
        using var answer = await http.PostAsync("/api/update/reboot", null);
        Assert.AreEqual(HttpStatusCode.Accepted, answer.StatusCode, await answer.Content.ReadAsStringAsync());
        Assert.IsTrue(File.Exists(RebootFile), "the reboot file is written");
        File.Delete(RebootFile);

        var cli = Firmware.Run("update", "--config", s_config, "reboot");
        Assert.AreEqual(0, cli.ExitCode, cli.ToString());
        Assert.IsTrue(File.Exists(RebootFile));
        File.Delete(RebootFile);
    }

    [TestMethod]
    public void TheCliInstallsAFileWithProgress()
    {
        var (bundle, image) = Rig.MakeBundle("7", 8 * 1024 * 1024);
        var started = Stopwatch.StartNew();
        var install = Firmware.Run("update", "--config", s_config, "install", bundle);
        TestContext.WriteLine($"appliance update install took {started.Elapsed.TotalMilliseconds:0} ms:\n{install.Output}");
        Assert.AreEqual(0, install.ExitCode, install + "\n" + TheFirmware.LogTail(20));
        StringAssert.Contains(install.Output, "% ");
        StringAssert.Contains(install.Output, "update 7 installed into rootfs.1");
        CollectionAssert.AreEqual(image, RaucRig.Head(Rig.SlotB, image.Length));

        var status = Firmware.Run("update", "--config", s_config, "status");
        Assert.AreEqual(0, status.ExitCode, status.ToString());
        StringAssert.Contains(status.Output, "system: version 1, booted slot A");
        StringAssert.Contains(status.Output, "rootfs.1");
        StringAssert.Contains(status.Output, "reboot needed");

        var (other, _) = Rig.MakeBundle("8", 1024 * 1024, otherKey: true);
        var refused = Firmware.Run("update", "--config", s_config, "install", other);
        Assert.AreEqual(3, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Error, "failed: signature verification failed");

        var missing = Firmware.Run("update", "--config", s_config, "install", Path.Combine(Rig.Folder, "none.raucb"));
        Assert.AreEqual(2, missing.ExitCode, missing.ToString());
        File.Delete(bundle);
        File.Delete(other);
    }

    [TestMethod]
    public async Task TheTrialBootsOutcomeIsToldOnce()
    {
        using var http = Api(token: true);
        var time = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(Spool, "last-boot.json"), $$"""{"time":"{{time}}","slot":"B","version":"2","result":"good","message":"the firmware served after 14 s"}""");
        TheFirmware.WaitForEvent("version 2 booted in slot B and passed its trial boot", Settle);
        var document = await GetAsync(http);
        Assert.AreEqual("good", document.GetProperty("last_boot").GetProperty("result").GetString(), document.ToString());
        Assert.AreEqual(time, document.GetProperty("last_boot").GetProperty("time").GetString());
        await Task.Delay(5000);
        Assert.AreEqual(1, TheFirmware.Events().Count(e => e.Kind == "update_booted"), "told once");

        File.WriteAllText(Path.Combine(Spool, "last-boot.json"), $$"""{"time":"{{DateTimeOffset.UtcNow.AddSeconds(1):yyyy-MM-ddTHH:mm:ssZ}}","slot":"A","version":"1","result":"rolled_back","message":"version 3 (slot B) was rolled back: not served within 300 s"}""");
        TheFirmware.WaitForEvent("an update failed its trial boot: the box went back to version 1 in slot A (version 3 (slot B) was rolled back", Settle);
        Assert.IsTrue(TheFirmware.Events().Any(e => e.Kind == "update_rolled_back"));
    }

    private static HttpClient Api(bool token)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{TheLab.Plan.Api}"), Timeout = TimeSpan.FromSeconds(60) };
        if (token) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(TheLab.TokenFile).Trim());
        return http;
    }

    private static Task<HttpResponseMessage> PostBundleAsync(HttpClient http, string bundle)
    {
        var content = new StreamContent(File.OpenRead(bundle));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return http.PostAsync("/api/update", content);
    }

    private static async Task<JsonElement> GetAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync("/api/update")).RootElement.Clone();

    /// <summary>Until the operation has installed or failed.</summary>
    private static Task<JsonElement> WaitEndAsync(HttpClient http) =>
        WaitUntilAsync(http, d => d.GetProperty("operation").GetString() is "installed" or "failed", "installed or failed");

    private static async Task<JsonElement> WaitUntilAsync(HttpClient http, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + InstallWithin;
        JsonElement last;
        do
        {
            last = await GetAsync(http);
            if (condition(last)) return last;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"GET /api/update not {what} within {InstallWithin.TotalSeconds} s: {last}\n{TheFirmware.LogTail(20)}\n{Rig.ServiceLog}");
        return last;
    }

    /// <summary>Headers alone on a socket: what the firmware answers before any body.</summary>
    private static async Task<string> RawPostAsync(string headers)
    {
        using var client = new TcpClient();
        var api = IPEndPoint.Parse(TheLab.Plan.Api);
        await client.ConnectAsync(api.Address, api.Port == 0 ? 80 : api.Port);
        var stream = client.GetStream();
        var token = File.ReadAllText(TheLab.TokenFile).Trim();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /api/update HTTP/1.1\r\nHost: {TheLab.Plan.Api}\r\nAuthorization: Bearer {token}\r\n{headers}\r\n"));
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    /// <summary>A minimal HTTP server on loopback: the bundle at /bundle.raucb, 404 for anything else.</summary>
    private static async Task ServeAsync(TcpListener listener, string bundle, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, leaveOpen: true);
                var request = await reader.ReadLineAsync(stop) ?? "";
                while (await reader.ReadLineAsync(stop) is { Length: > 0 })
                {
                }
                if (request.Contains(" /bundle.raucb ", StringComparison.Ordinal))
                {
                    var bytes = await File.ReadAllBytesAsync(bundle, stop);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), stop);
                    await stream.WriteAsync(bytes, stop);
                }
                else
                {
                    await stream.WriteAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), stop);
                }
            }
        }
    }

}

/// <summary><c>appliance update verify-boot</c> against a running firmware on a lab (the trial boot's question).</summary>
[TestClass]
[DoNotParallelize]
public sealed class VerifyBootTests
{
    [TestMethod]
    public void VerifyBootSaysWhetherTheFirmwareServes()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http");
        using var firmware = Firmware.StartOn(lab, path);
        lab.WaitServing("master", TimeSpan.FromSeconds(10));
        var serving = WaitExit(path, 0);
        StringAssert.Contains(serving.Output, "serving: master is healthy and the switch is programmed");
        Assert.IsTrue(firmware.Status().GetProperty("switch").GetProperty("programmed").GetBoolean());

        lab.Fault("kill", "master");
        lab.Fault("kill", "slave");
        var none = WaitExit(path, 1);
        StringAssert.Contains(none.Error, "not serving: no server is serving", none.ToString());
        Assert.AreEqual(1, none.Error.Trim().Split('\n').Length, "one line: " + none.Error);

        Assert.AreEqual(0, firmware.Terminate());
        var down = Firmware.Run("update", "--config", path, "verify-boot");
        Assert.AreEqual(1, down.ExitCode, down.ToString());
        StringAssert.Contains(down.Error, "not serving: the firmware does not answer");
    }

    /// <summary>verify-boot until it exits with <paramref name="code"/> (the trial boot asks every 2 s as well).</summary>
    private static Sh.Result WaitExit(string path, int code)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        Sh.Result result;
        do
        {
            result = Firmware.Run("update", "--config", path, "verify-boot");
            if (result.ExitCode == code) return result;
            Thread.Sleep(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"verify-boot did not exit {code} within 15 s: {result}");
        return result;
    }
}

/// <summary>verify-boot's verdict on each state of /api/status, and the update verbs' command line (no lab).</summary>
[TestClass]
public sealed class UpdateVerdictTests
{
    [TestMethod]
    public void EachReasonNotToKeepTheSlot()
    {
        var serving = Status(connected: true, programmed: true, active: "master", health: "up");
        Assert.IsNull(Cli.UpdateCommand.Verdict(serving));
        Assert.AreEqual("the switch is not connected", Cli.UpdateCommand.Verdict(Status(false, false, "master", "up")));
        Assert.AreEqual("the switch is connected but its rules are not confirmed yet", Cli.UpdateCommand.Verdict(Status(true, false, "master", "up")));
        Assert.AreEqual("no server is serving", Cli.UpdateCommand.Verdict(Status(true, true, null, "down")));
        Assert.AreEqual("master serves but its health is unknown", Cli.UpdateCommand.Verdict(Status(true, true, "master", "unknown")));
        Assert.AreEqual("the configuration is refused (x.yml:1:1: service.vip: wrong)",
            Cli.UpdateCommand.Verdict(serving with { Configuration = new Api.ConfigurationDocument(true, ["x.yml:1:1: service.vip: wrong"]) }));
    }

    [TestMethod]
    public void TheUpdateVerbsOnTheCommandLine()
    {
        var install = Cli.CommandLine.Parse(["update", "install", "b.raucb", "--reboot"], out var error);
        Assert.IsNotNull(install, error);
        CollectionAssert.AreEqual(new[] { "install", "b.raucb" }, install.Arguments.ToArray());
        Assert.IsTrue(install.Reboot);
        Assert.IsNull(Cli.CommandLine.Parse(["update", "status", "--reboot"], out error));
        Assert.AreEqual("--reboot is for update install", error);
        Assert.IsNull(Cli.CommandLine.Parse(["update", "install", "a", "b"], out error), "one file");
        Assert.IsNull(Cli.CommandLine.Parse(["status", "--reboot"], out _));
        Assert.IsTrue(Cli.CommandLine.Parse(["update", "status", "--json"], out _)!.Json);
    }

    private static Api.StatusDocument Status(bool connected, bool programmed, string? active, string health) => new(
        "1.0.0", "abc", new Api.ConfigurationDocument(false, []), active, "auto", new Api.SwitchDocument(connected, connected ? "0000000000000001" : null, programmed),
        [new Api.ServerDocument("master", "198.19.1.1", 1, "02:00:00:00:00:01", "up", health, active == "master" ? "active" : "down", "", null, false, false)],
        0, new Api.PanelDocument("on", "off", "off"), [], new Api.DroppedDocument(0, 0, 0));
}
