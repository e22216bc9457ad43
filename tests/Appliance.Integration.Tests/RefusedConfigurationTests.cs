using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Appliance.Config;
using Appliance.Fault;

namespace Appliance.Integration.Tests;

/// <summary>
/// A configuration the firmware refuses (issue 12, item 1). <c>appliance run</c> exits 2 before
/// touching anything, as always; on the box systemd then starts <c>appliance fault</c>
/// (appliance.service's OnFailure=), which lights the fault LED and serves the reasons on the
/// status page and <c>/api/status</c>, refuses every request, and ends with code 4 once the file
/// is valid (appliance-fault.service then starts the firmware) or 0 when stopped (it does not).
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class RefusedConfigurationTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task RunRefusesAndTheFaultModeShowsWhyUntilTheFileIsFixed()
    {
        using var box = new ConfigFolder();
        box.Write(vip: ConfigFolder.Management);
        var run = Firmware.Run("run", "--config", box.Path);
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, ": service.vip: ");

        using var fault = Firmware.StartVerb("fault", box.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{box.Api}") };
        var status = await WaitForStatusAsync(http, fault, s => Errors(s).Length > 0);
        Assert.IsTrue(status.GetProperty("configuration").GetProperty("refused").GetBoolean());
        var errors = Errors(status);
        Assert.HasCount(1, errors, string.Join('\n', errors));
        Assert.IsTrue(errors[0].StartsWith($"{box.Path}:9:", StringComparison.Ordinal), $"file:line:column: key: message, got {errors[0]}");
        StringAssert.Contains(errors[0], ": service.vip: ");
        var panel = status.GetProperty("panel");
        Assert.AreEqual("on", panel.GetProperty("fault").GetString(), "the fault LED");
        Assert.AreEqual("off", panel.GetProperty("master").GetString());
        Assert.AreEqual("off", panel.GetProperty("slave").GetString());
        Assert.AreEqual(JsonValueKind.Null, status.GetProperty("active").ValueKind);
        Assert.AreEqual(0, status.GetProperty("servers").GetArrayLength(), "the refusal and nothing else");
        Assert.IsFalse(status.GetProperty("switch").GetProperty("connected").GetBoolean());
        // The simulated GPIO lines themselves, as the terminal panel draws them.
        fault.WaitForOutput("panel: master off, slave off, fault on", Settle);

        Assert.AreEqual(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/failback", null)).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", box.Token);
        var failback = await http.PostAsync("/api/failback", null);
        Assert.AreEqual(HttpStatusCode.Conflict, failback.StatusCode);
        StringAssert.Contains(await failback.Content.ReadAsStringAsync(), "refused");
        var press = JsonDocument.Parse(await (await http.PostAsync("/api/press?kind=long", null)).Content.ReadAsStringAsync()).RootElement;
        Assert.IsFalse(press.GetProperty("accepted").GetBoolean(), press.ToString());
        StringAssert.Contains(await http.GetStringAsync("/metrics"), "\nappliance_configuration_refused 1\n");
        StringAssert.Contains(await http.GetStringAsync("/"), "id=\"refusal\"", "the page has its place for the reasons");

        // Another mistake: still refused, and the status follows the file.
        box.Write(vip: ConfigFolder.Vip, masterAddress: ConfigFolder.Management);
        status = await WaitForStatusAsync(http, fault, s => Errors(s) is [var e] && e.Contains(": servers[0].address: ", StringComparison.Ordinal));
        Assert.AreEqual("on", status.GetProperty("panel").GetProperty("fault").GetString());
        Assert.IsFalse(fault.HasExited, "still refused: still in fault mode");

        box.Write(vip: ConfigFolder.Vip);
        Assert.AreEqual(4, fault.WaitForExit(Settle), "valid again: exit 4, for systemd to start the firmware\n" + fault.Log);
    }

    [TestMethod]
    public void StoppedTheFaultModeExitsZeroSoThatTheFirmwareIsNotStarted()
    {
        using var box = new ConfigFolder();
        box.Write(vip: ConfigFolder.Management);
        using var fault = Firmware.StartVerb("fault", box.Path);
        fault.WaitForOutput("configuration refused", Settle);
        Assert.AreEqual(0, fault.Terminate(), fault.Log);
    }

    [TestMethod]
    public void AValidFileEndsTheFaultModeAtOnce()
    {
        // appliance-fault.service may be started while the file is fine (fixed in between, or by a
        // systemd that runs OnFailure= between automatic restarts): it hands over at once.
        using var box = new ConfigFolder();
        box.Write(vip: ConfigFolder.Vip);
        using var fault = Firmware.StartVerb("fault", box.Path);
        Assert.AreEqual(4, fault.WaitForExit(Settle), fault.Log);
    }

    [TestMethod]
    public async Task APanelThatCannotStartIsTheRefusalUntilTheFileChanges()
    {
        // run exits 2 for missing panel hardware too: the fault mode must say so, and must not hand
        // over (exit 4) for a file that is valid but still cannot run, or systemd would loop.
        using var box = new ConfigFolder();
        box.Write(vip: ConfigFolder.Vip, panel: "{ driver: libgpiod, chip: 99 }");
        var run = Firmware.Run("run", "--config", box.Path);
        Assert.AreEqual(2, run.ExitCode, run.ToString());
        using var fault = Firmware.StartVerb("fault", box.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{box.Api}") };
        var status = await WaitForStatusAsync(http, fault, s => Errors(s).Length > 0);
        StringAssert.Contains(Errors(status)[0], ": panel.chip: ");
        Thread.Sleep(2000);
        Assert.IsFalse(fault.HasExited, "the file did not change: no hand-over\n" + fault.Log);
        box.Write(vip: ConfigFolder.Vip);
        Assert.AreEqual(4, fault.WaitForExit(Settle), fault.Log);
    }

    [TestMethod]
    public async Task AnApiAddressTheMachineDoesNotHaveFallsBackToTheBridgesCurrentAddress()
    {
        // bridge.name lo: its current address is 127.0.0.1, as br0's is the box's on the box.
        using var box = new ConfigFolder();
        box.Write(vip: ConfigFolder.Management, bridge: "lo", apiAddress: "198.19.251.250");
        using var fault = Firmware.StartVerb("fault", box.Path);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{box.Api}") };
        var status = await WaitForStatusAsync(http, fault, s => Errors(s).Length > 0);
        StringAssert.Contains(Errors(status)[0], ": service.vip: ");
        StringAssert.Contains(fault.Log, $"cannot serve the refusal on 198.19.251.250:{box.Api.Port}");
        StringAssert.Contains(fault.Log, $"status page on http://{box.Api}/");
    }

    [TestMethod]
    public void TheStatusPageShowsTheRefusalProminently()
    {
        using var box = new ConfigFolder();
        box.Write(vip: ConfigFolder.Management);
        using var fault = Firmware.StartVerb("fault", box.Path);
        fault.WaitForOutput("configuration refused", Settle);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = StatusPageTests.Browser(390, 844, profile.FullName);
            browser.Navigate().GoToUrl($"http://{box.Api}/");
            StatusPageTests.WaitFor(browser, () => StatusPageTests.TextOf(browser, "#refusal").Contains(": service.vip: ", StringComparison.Ordinal),
                TimeSpan.FromSeconds(5), "the validator's message");
            Assert.AreEqual("on", StatusPageTests.Led(browser, "fault"));
            StringAssert.Contains(StatusPageTests.TextOf(browser, "#summary"), "refused");
            Assert.IsTrue((bool)browser.ExecuteScript(
                "const r = document.querySelector('#refusal').getBoundingClientRect(); return r.height > 0 && r.top < window.innerHeight;")!,
                "visible without scrolling, on a phone");
            var path = System.IO.Path.Combine(TestContext.TestRunResultsDirectory ?? System.IO.Path.GetTempPath(), "status-page-refused.png");
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            browser.GetScreenshot().SaveAsFile(path);
            TestContext.AddResultFile(path);
            Axe.AssertNoViolations(browser, "refusal", TestContext);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void TheRefusalIsServedOnTheConfiguredAddressElseTheBridgesCurrentOne()
    {
        var management = IPAddress.Parse("198.19.9.6");
        var current = IPAddress.Parse("198.19.9.7");
        var bridge = new BridgeConfig("br9", DatapathType.System, management, 24);
        var api = new ApiConfig(new IPEndPoint(management, 8080), "/etc/appliance/api.token");
        IReadOnlyList<IPAddress> Current(string name) => name == "br9" || name == ConfigDefaults.BridgeName ? [current] : [];

        CollectionAssert.AreEqual(new[] { new IPEndPoint(management, 8080), new IPEndPoint(current, 8080) },
            RefusalEndpoints.For(new ConfigParts(bridge, null, api), Current).ToArray(), "api.listen, else the bridge's address on its port");
        CollectionAssert.AreEqual(new[] { new IPEndPoint(management, 80), new IPEndPoint(current, 80) },
            RefusalEndpoints.For(new ConfigParts(bridge, null, null), Current).ToArray(), "the management address on port 80");
        CollectionAssert.AreEqual(new[] { new IPEndPoint(current, 80) },
            RefusalEndpoints.For(ConfigParts.None, Current).ToArray(), "nothing readable: br0's current address");
        CollectionAssert.AreEqual(new[] { new IPEndPoint(management, 80) },
            RefusalEndpoints.For(new ConfigParts(bridge, null, null), _ => [management]).ToArray(), "no address twice");
    }

    private static string[] Errors(JsonElement status) =>
        [.. status.GetProperty("configuration").GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)];

    private static async Task<JsonElement> WaitForStatusAsync(HttpClient http, Firmware fault, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow + Settle;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (fault.HasExited) Assert.Fail($"the fault mode exited:\n{fault.Log}");
            try
            {
                var status = JsonDocument.Parse(await http.GetStringAsync("/api/status")).RootElement.Clone();
                if (until(status)) return status;
                last = status.ToString();
            }
            catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                last = e.Message;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"no such status within {Settle.TotalSeconds} s; last: {last}\n{fault.Log}");
        return default;
    }

    /// <summary>An appliance.yml (refused or not, as asked) with its API on a free loopback port and a token file.</summary>
    private sealed class ConfigFolder : IDisposable
    {
        public const string Management = "198.19.251.6";
        public const string Vip = "198.19.251.100";

        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("refused-");

        public ConfigFolder()
        {
            Api = new IPEndPoint(IPAddress.Loopback, FreeTcpPort());
            Token = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
            File.WriteAllText(TokenFile, Token + "\n");
            File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        public string Path => System.IO.Path.Combine(_folder.FullName, "appliance.yml");

        public IPEndPoint Api { get; }

        public string Token { get; }

        private string TokenFile => System.IO.Path.Combine(_folder.FullName, "api.token");

        /// <summary>Writes the file in one step, as an editor that saves by renaming does.</summary>
        public void Write(string vip, string masterAddress = "198.19.251.1", string panel = "{ driver: simulated }", string bridge = "it-none", string? apiAddress = null)
        {
            var text = $$"""
                # line 1
                bridge:
                  name: {{bridge}}
                  datapath: system
                  management: {{Management}}/24
                openflow:
                  listen: tcp:127.0.0.1:{{FreeTcpPort()}}
                service:
                  vip: {{vip}}
                servers:
                  - { name: master, address: {{masterAddress}}, port: 1 }
                  - { name: slave, address: 198.19.251.2, port: 2 }
                panel: {{panel}}
                api:
                  listen: "{{apiAddress ?? Api.Address.ToString()}}:{{Api.Port}}"
                  token_file: {{TokenFile}}

                """;
            var temp = Path + ".new";
            File.WriteAllText(temp, text);
            File.Move(temp, Path, overwrite: true);
        }

        public void Dispose() => _folder.Delete(recursive: true);

        private static int FreeTcpPort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }
    }
}
