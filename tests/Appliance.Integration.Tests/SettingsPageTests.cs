using System.Net;
using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using static Appliance.Integration.Tests.StatusPageTests;

namespace Appliance.Integration.Tests;

/// <summary>
/// The status page's settings view (docs/api.md#the-settings-view) in Debian's headless Chromium: unlocked
/// with the API token, which goes only in the Authorization header; edits checked as they are typed, errors
/// beside their fields, the rule diff before Apply, and what came of Apply.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class SettingsPageTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// The page against the config API of docs/api.md as it answers (an in-page stand-in for
    /// <c>/api/config*</c> and <c>/api/notify/test</c>, recording what the page sends); the rest is the
    /// firmware's. <see cref="ServersConfiguredFromThePageReachTheSwitch"/> is the same against the firmware.
    /// </summary>
    [TestMethod]
    public void TheSettingsViewSpeaksTheConfigApi()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http", "interval=50ms", "timeout=300ms"));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/#settings");
            WaitFor(browser, () => Shown(browser, "#unlock") && !Shown(browser, "#status-view"), TimeSpan.FromSeconds(5), "the token form");
            Axe.AssertNoViolations(browser, "settings view, locked", TestContext);
            browser.ExecuteScript(StandIn, Token, lab.AddressOf("master"), lab.AddressOf("slave"), lab.Management);

            // A wrong token: said beside the field, nothing kept.
            Type(browser, "#token", "not-the-token-at-all");
            browser.FindElement(By.CssSelector("#unlock button")).Click();
            WaitFor(browser, () => TextOf(browser, "#token-err").Contains("token", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "the refusal beside the token");
            Assert.AreEqual("true", Attribute(browser, "#token", "aria-invalid"));
            Assert.IsNull(Script(browser, "return sessionStorage.getItem('appliance-token');"));

            Type(browser, "#token", Token);
            browser.FindElement(By.CssSelector("#unlock button")).Click();
            WaitFor(browser, () => Shown(browser, "#editor"), TimeSpan.FromSeconds(2), "the settings");
            Assert.AreEqual(lab.Vip, Value(browser, "#f-service-vip"));
            Assert.AreEqual("50ms", Value(browser, "#f-health-interval"));
            Assert.AreEqual("slave", Value(browser, "#f-servers-1-name"));
            Assert.AreEqual("", Value(browser, "#f-notify-webhook-url"), "no webhook configured");
            Assert.AreEqual("it@example.com", Value(browser, "#f-notify-email-to"), "a list without its brackets");
            Assert.AreEqual(Token, Script(browser, "return sessionStorage.getItem('appliance-token');"), "kept in this tab");
            Assert.AreEqual("", Script(browser, "return document.cookie;"), "never a cookie");
            Axe.AssertNoViolations(browser, "settings view", TestContext);

            // Leaving a field checks it at once; the error stands beside its field, the others in the summary.
            Type(browser, "#f-health-interval", "5ms");
            browser.FindElement(By.Id("f-health-interval")).SendKeys(Keys.Tab);
            WaitFor(browser, () => TextOf(browser, "#f-health-interval-err") == "must be at least 10ms", TimeSpan.FromSeconds(2), "the error beside the interval");
            Assert.AreEqual("true", Attribute(browser, "#f-health-interval", "aria-invalid"));
            StringAssert.Contains(Attribute(browser, "#f-health-interval", "aria-describedby"), "f-health-interval-err", "read out with the field");
            StringAssert.Contains(TextOf(browser, "#check-summary"), "2 errors");
            StringAssert.Contains(TextOf(browser, "#check-summary"), "Error: api: a problem elsewhere (line 11)", "an error without a field of its own");
            Assert.DoesNotContain("must be at least", TextOf(browser, "#check-summary"), "an error with a field is shown there, once");
            StringAssert.Contains(TextOf(browser, "#check-summary"), "Warning: servers: only one server");
            Assert.IsFalse(browser.FindElement(By.Id("apply")).Enabled, "nothing invalid is applied");
            Keep(browser, "settings-error.png");
            Axe.AssertNoViolations(browser, "settings view with an error shown", TestContext);
            var sent = LastCall(browser, "/api/config/check");
            Assert.AreEqual($"Bearer {Token}", sent.GetProperty("auth").GetString());
            Assert.AreEqual("omit", sent.GetProperty("credentials").GetString());
            Assert.AreEqual("""{"set":{"health.interval":"5ms"},"remove":[]}""", sent.GetProperty("body").GetRawText());

            // Typing checks too (debounced): the valid value clears the error and shows the rule diff.
            Type(browser, "#f-health-interval", "100ms");
            WaitFor(browser, () => TextOf(browser, "#f-health-interval-err") == "" && browser.FindElement(By.Id("apply")).Enabled, TimeSpan.FromSeconds(3), "the error gone");
            Assert.IsNull(Attribute(browser, "#f-health-interval", "aria-invalid"));
            StringAssert.Contains(TextOf(browser, "#diff"), "+ added rule for 100ms");
            StringAssert.Contains(TextOf(browser, "#diff"), "- removed rule for 50ms");
            StringAssert.Contains(TextOf(browser, "#diff-summary"), "1 rule added (+), 1 removed (-)");

            // A third server, then the second removed: the priority order is the list's.
            browser.FindElement(By.Id("add-server")).Click();
            Assert.AreEqual("f-servers-2-name", Script(browser, "return document.activeElement.id;"), "focus in the new server's first field");
            Type(browser, "#f-servers-2-name", "spare");
            Type(browser, "#f-servers-2-address", "198.18.0.3");
            Type(browser, "#f-servers-2-port", "3");
            browser.FindElement(By.CssSelector("#server-rows fieldset:nth-child(2) button:last-of-type")).Click();
            Assert.AreEqual("f-servers-1-name", Script(browser, "return document.activeElement.id;"), "focus on the server now second");
            Assert.AreEqual("Remove server 2", browser.FindElement(By.CssSelector("#server-rows fieldset:nth-child(2) button:last-of-type")).GetDomProperty("innerText")!.Replace("\n", " ", StringComparison.Ordinal).Trim(),
                "buttons say which server they act on");
            CheckedEdits(browser, """{"set":{"health.interval":"100ms","servers.1.name":"spare","servers.1.address":"198.18.0.3","servers.1.port":"3"},"remove":[]}""");
            browser.FindElement(By.CssSelector("#server-rows fieldset:nth-child(2) button:last-of-type")).Click();
            Assert.AreEqual("add-server", Script(browser, "return document.activeElement.id;"), "focus on 'Add a server' after the last server went");
            CheckedEdits(browser, """{"set":{"health.interval":"100ms"},"remove":["servers.1"]}""");
            browser.FindElement(By.Id("add-server")).Click();
            Type(browser, "#f-servers-1-name", "spare");
            Type(browser, "#f-servers-1-address", "198.18.0.3");
            Type(browser, "#f-servers-1-port", "3");
            // From the keyboard: Tab reaches the next control, and the focus shows.
            Assert.AreEqual("solid 3px", Script(browser, "const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth;"), "a field's focus");
            browser.FindElement(By.Id("f-servers-1-port")).SendKeys(Keys.Tab);
            Assert.AreEqual("f-servers-1-mac", Script(browser, "return document.activeElement.id;"));
            browser.FindElement(By.Id("f-servers-1-mac")).SendKeys(Keys.Tab);
            Assert.AreEqual("Move up server 2", Script(browser, "return document.activeElement.textContent;"));
            Assert.AreEqual("solid 3px", Script(browser, "const s = getComputedStyle(document.activeElement); return s.outlineStyle + ' ' + s.outlineWidth;"), "a button's focus");
            CheckedEdits(browser, """{"set":{"health.interval":"100ms","servers.1.name":"spare","servers.1.address":"198.18.0.3","servers.1.port":"3"},"remove":[]}""");

            // Apply: the switch refused it, the firmware rolled back; then accepted.
            WaitFor(browser, () => browser.FindElement(By.Id("apply")).Enabled, TimeSpan.FromSeconds(3), "Apply enabled");
            browser.FindElement(By.Id("apply")).Click();
            WaitFor(browser, () => TextOf(browser, "#apply-result").StartsWith("Rolled back: the switch refused group 2", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "the roll-back");
            Assert.AreEqual("PUT", LastCall(browser, "/api/config").GetProperty("method").GetString());
            WaitFor(browser, () => browser.FindElement(By.Id("apply")).Enabled, TimeSpan.FromSeconds(2), "Apply enabled again after the roll-back");
            browser.FindElement(By.Id("apply")).Click();
            WaitFor(browser, () => TextOf(browser, "#apply-result").StartsWith("Applied", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "applied");
            WaitFor(browser, () => Value(browser, "#f-health-interval") == "100ms" && Value(browser, "#f-servers-1-name") == "spare", TimeSpan.FromSeconds(2), "the settings read again");
            Keep(browser, "settings-applied.png");

            // A list goes as a JSON list; a channel emptied goes as a whole.
            Type(browser, "#f-notify-email-to", "it@example.com, ops@example.com");
            CheckedEdits(browser, """{"set":{"notify.email.to":["it@example.com","ops@example.com"]},"remove":[]}""");
            foreach (var key in new[] { "server", "from", "to" }) Type(browser, $"#f-notify-email-{key}", "");
            Script(browser, "const s = document.getElementById('f-notify-email-security'); s.value = ''; s.dispatchEvent(new Event('change', { bubbles: true }));");
            CheckedEdits(browser, """{"set":{},"remove":["notify.email"]}""");

            browser.FindElement(By.Id("notify-test")).Click();
            WaitFor(browser, () => TextOf(browser, "#notify-result").Contains("webhook: failed — HTTP 404", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "each channel's result");
            StringAssert.Contains(TextOf(browser, "#notify-result"), "email: sent — to it@example.com");
            Axe.AssertNoViolations(browser, "settings view after apply and a test notification", TestContext);

            browser.Manage().Window.Size = new System.Drawing.Size(390, 844);
            WaitFor(browser, () => (bool)Script(browser, "return window.innerWidth <= 400;")!, TimeSpan.FromSeconds(2), "a phone's width");
            Assert.IsTrue((bool)Script(browser, "return document.documentElement.scrollWidth <= window.innerWidth;")!, "no sideways scrolling on a phone");
            Keep(browser, "settings-phone.png");

            browser.FindElement(By.Id("lock")).Click();
            Assert.IsTrue(Shown(browser, "#unlock"));
            Assert.IsNull(Script(browser, "return sessionStorage.getItem('appliance-token');"), "locked: forgotten");

            // The status view works all along, without a token.
            browser.FindElement(By.Id("to-status")).Click();
            WaitFor(browser, () => Shown(browser, "#status-view") && Led(browser, "master") == "on", TimeSpan.FromSeconds(2), "the status view");
            Assert.AreEqual("page", Attribute(browser, "#to-status", "aria-current"));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>
    /// From the page, against the firmware: a lab whose file lists only the master gets its slave, an invalid
    /// value is refused beside its field, and the applied change is in the switch. Needs the config API
    /// (<c>GET/PUT /api/config</c>, <c>POST /api/config/check</c>); inconclusive on a firmware without it.
    /// </summary>
    [TestMethod]
    [TestCategory("ConfigApi")]
    public void ServersConfiguredFromThePageReachTheSwitch()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http", "interval=50ms", "timeout=300ms");
        File.WriteAllLines(path, File.ReadAllLines(path).Where(line => !line.Contains("name: slave", StringComparison.Ordinal)));
        using var firmware = Firmware.StartOn(lab, path);
        lab.WaitServing("master", TimeSpan.FromSeconds(5));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var api = $"http://{lab.Management}:8080";
        var token = File.ReadAllText(lab.TokenFile).Trim();
        var slave = lab.Host("slave");
        var before = Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", lab.Bridge);
        Assert.DoesNotContain($"in_port={slave.Port},", before, "the slave's port has no rules while it is not configured");
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            browser.Navigate().GoToUrl($"{api}/#settings");
            WaitFor(browser, () => Shown(browser, "#unlock"), TimeSpan.FromSeconds(5), "the token form");
            Type(browser, "#token", token);
            browser.FindElement(By.CssSelector("#unlock button")).Click();
            WaitFor(browser, () => Shown(browser, "#editor"), TimeSpan.FromSeconds(5), "the settings");
            Assert.AreEqual("master", Value(browser, "#f-servers-0-name"));
            Assert.AreEqual(0L, Script(browser, "return document.querySelectorAll('#f-servers-1-name').length;"), "one server in the file");

            browser.FindElement(By.Id("add-server")).Click();
            Type(browser, "#f-servers-1-name", "slave");
            Type(browser, "#f-servers-1-address", slave.Address);
            Type(browser, "#f-servers-1-port", slave.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Type(browser, "#f-health-interval", "5ms");
            browser.FindElement(By.Id("f-health-interval")).SendKeys(Keys.Tab);
            WaitFor(browser, () => TextOf(browser, "#f-health-interval-err").Length > 0, TimeSpan.FromSeconds(5), "the error beside the interval");
            TestContext.WriteLine($"beside the interval: {TextOf(browser, "#f-health-interval-err")}");
            Assert.AreEqual("true", Attribute(browser, "#f-health-interval", "aria-invalid"));
            Assert.IsFalse(browser.FindElement(By.Id("apply")).Enabled);
            Axe.AssertNoViolations(browser, "settings view with the firmware's error shown", TestContext);

            Type(browser, "#f-health-interval", "50ms");
            browser.FindElement(By.Id("f-health-interval")).SendKeys(Keys.Tab);
            WaitFor(browser, () => browser.FindElement(By.Id("apply")).Enabled, TimeSpan.FromSeconds(5), "Apply enabled");
            Assert.AreEqual("", TextOf(browser, "#f-health-interval-err"));
            StringAssert.Contains(TextOf(browser, "#diff"), $"+ ", "the rules the slave adds, before Apply");
            TestContext.WriteLine($"rule diff shown:\n{TextOf(browser, "#diff")}");
            Axe.AssertNoViolations(browser, "settings view with the rule diff shown", TestContext);

            WaitFor(browser, () => browser.FindElement(By.Id("apply")).Enabled, TimeSpan.FromSeconds(2), "Apply enabled again after the roll-back");
            browser.FindElement(By.Id("apply")).Click();
            WaitFor(browser, () => TextOf(browser, "#apply-result").StartsWith("Applied", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "applied");
            var after = Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", lab.Bridge);
            StringAssert.Contains(after, $"in_port={slave.Port},", "the slave's port has its rules");
            StringAssert.Contains(File.ReadAllText(path), slave.Address, "written to the file");
            WaitFor(browser, () => Value(browser, "#f-servers-1-name") == "slave", TimeSpan.FromSeconds(2), "the settings read again");

            // The clock's servers: a list, then back to DHCP's (a word, not a server named "dhcp").
            Assert.AreEqual("", Value(browser, "#f-time-ntp"), "not in the file: the default");
            var ntp = lab.AddressOf("client");
            ApplyFromThePage(browser, "#f-time-ntp", $"ntp.office.example, {ntp}");
            StringAssert.Contains(File.ReadAllText(path), $"ntp: [ntp.office.example, {ntp}]");
            ApplyFromThePage(browser, "#f-time-ntp", "dhcp");
            StringAssert.Contains(File.ReadAllText(path), "ntp: dhcp");

            lab.Fault("link-down", "master");
            lab.WaitServing("slave", TimeSpan.FromSeconds(5));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The issue's measure, from the page itself: a 1 kHz stream through the VIP while the health interval is
    /// changed in the settings view and applied loses nothing (the firmware's pieces restart, the switch's rules stay).
    /// </summary>
    [TestMethod]
    public async Task ChangingTheHealthIntervalFromThePageLosesNoDatagram()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=http", "interval=20ms");
        using var firmware = Firmware.StartOn(lab, path);
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        lab.WaitServing("master", TimeSpan.FromSeconds(5));
        var token = File.ReadAllText(lab.TokenFile).Trim();
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/#settings");
            WaitFor(browser, () => Shown(browser, "#unlock"), TimeSpan.FromSeconds(5), "the token form");
            Type(browser, "#token", token);
            browser.FindElement(By.CssSelector("#unlock button")).Click();
            WaitFor(browser, () => Shown(browser, "#editor"), TimeSpan.FromSeconds(5), "the settings");
            Assert.AreEqual("20ms", Value(browser, "#f-health-interval"));
            // As ConfigApplyTests: OVS reconnects at once only to a controller it held for more than 8 s.
            await Task.Delay(TimeSpan.FromSeconds(9));

            var stream = lab.StartUdpStream(TimeSpan.FromSeconds(10), rate: 1000);
            await Task.Delay(2000);
            ApplyFromThePage(browser, "#f-health-interval", "50ms");
            var result = await stream.ResultAsync();
            TestContext.WriteLine($"stream while the interval was applied from the page: {result}");
            Assert.AreEqual(0, result.GetProperty("lost").GetInt32(), result.ToString());
            Assert.IsGreaterThan(5000, result.GetProperty("sent").GetInt32(), result.ToString());
            StringAssert.Contains(File.ReadAllText(path), "interval: 50ms");
            Assert.IsTrue(firmware.Events().Any(e => e.Kind == "config_applied" && e.Message.Contains("health.interval", StringComparison.Ordinal)));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>Types <paramref name="value"/> into a settings field, leaves it, applies, and waits for the settings to be read again.</summary>
    private static void ApplyFromThePage(ChromeDriver browser, string field, string value)
    {
        Type(browser, field, value);
        browser.FindElement(By.CssSelector(field)).SendKeys(Keys.Tab);
        WaitFor(browser, () => browser.FindElement(By.Id("apply")).Enabled, TimeSpan.FromSeconds(5), $"Apply enabled for {value}");
        browser.FindElement(By.Id("apply")).Click();
        WaitFor(browser, () => TextOf(browser, "#apply-result").StartsWith("Applied", StringComparison.Ordinal), TimeSpan.FromSeconds(20), $"{value} applied");
        WaitFor(browser, () => Value(browser, field) == value, TimeSpan.FromSeconds(5), "the settings read again");
    }

    /// <summary>
    /// Stands in for the config and notify API in the page (docs/api.md, the settings view's contract), and
    /// records each request in <c>window.calls</c>. Arguments: the token, master's and slave's address, the
    /// management address.
    /// </summary>
    private const string StandIn = """
        const [token, master, slave, management] = arguments;
        window.calls = [];
        const real = window.fetch;
        let servers = [{ name: "master", address: master, port: 1 }, { name: "slave", address: slave, port: 2 }];
        let interval = "50ms", puts = 0;
        const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
        const check = body => {
          const edit = body.set || {};
          const next = edit["health.interval"] || interval;
          const errors = next === "5ms" ? [{ key: "health.interval", line: 8, column: 60, message: "must be at least 10ms" }, { key: "api", line: 11, column: 1, message: "a problem elsewhere" }] : [];
          const changed = next !== interval;
          return { ok: errors.length === 0, errors, warnings: errors.length ? [{ key: "servers", line: 5, column: 1, message: "only one server" }] : [],
            rules: changed && !errors.length ? { added: [`added rule for ${next}`], removed: [`removed rule for ${interval}`] } : { added: [], removed: [] }, text: "…" };
        };
        window.fetch = async (url, init) => {
          const path = String(url);
          if (!path.startsWith("/api/config") && !path.startsWith("/api/notify")) return real(url, init);
          const headers = (init && init.headers) || {};
          const body = init && init.body ? JSON.parse(init.body) : null;
          window.calls.push({ method: (init && init.method) || "GET", path, auth: headers.Authorization || null, credentials: init && init.credentials, body });
          if (headers.Authorization !== `Bearer ${token}`) return json(401, { accepted: false, message: "a valid token is needed: Authorization: Bearer <token from api.token_file>" });
          if (path === "/api/config" && init.method === "GET")
            return json(200, { path: "/etc/appliance/appliance.yml", text: "…", values: { servers, "service.vip": management.replace(/\.\d+$/, ".100"), "service.mode": "nat",
              "bridge.management": management + "/24", "health.probe": "http", "health.port": "80", "health.path": "/health", "health.interval": interval,
              "health.timeout": "300ms", "health.fall": "3", "health.rise": "3", failback: "auto", "notify.min_severity": "warning",
              "notify.email.server": "198.18.0.9:25", "notify.email.security": "none", "notify.email.from": "box@example.com", "notify.email.to": "[it@example.com]" } });
          if (path === "/api/config/check") return json(200, check(body));
          if (path === "/api/config" && init.method === "PUT") {
            const result = check(body);
            if (!result.ok) return json(422, result);
            if (++puts === 1) return json(502, { ok: false, rolled_back: true, message: "the switch refused group 2 (OFPGMFC_BAD_WATCH)" });
            interval = body.set["health.interval"] || interval;
            servers = [servers[0], { name: body.set["servers.1.name"], address: body.set["servers.1.address"], port: Number(body.set["servers.1.port"]) }];
            return json(200, { ...result, applied: true });
          }
          if (path === "/api/notify/test") return json(200, { ok: false, message: "1 of 2 channels failed", channels: [{ channel: "email", ok: true, message: "to it@example.com" }, { channel: "webhook", ok: false, message: "HTTP 404" }] });
          return json(404, { accepted: false, message: "not found" });
        };
        """;

    private static object? Script(IWebDriver browser, string script, params object[] args) => ((IJavaScriptExecutor)browser).ExecuteScript(script, args);

    private static bool Shown(IWebDriver browser, string selector) =>
        (bool)Script(browser, "const e = document.querySelector(arguments[0]); return !!e && e.checkVisibility();", selector)!;

    private static string? Attribute(IWebDriver browser, string selector, string name) =>
        (string?)Script(browser, "return document.querySelector(arguments[0]).getAttribute(arguments[1]);", selector, name);

    private static string Value(IWebDriver browser, string selector) => (string?)Script(browser, "return document.querySelector(arguments[0]).value;", selector) ?? "";

    /// <summary>Replaces a field's text by typing, as a person does (each key an input event).</summary>
    private static void Type(IWebDriver browser, string selector, string text)
    {
        var field = browser.FindElement(By.CssSelector(selector));
        field.SendKeys(Keys.Control + "a");
        field.SendKeys(Keys.Delete);
        field.SendKeys(text);
    }

    /// <summary>Waits for the page to check <paramref name="edits"/> (the body of POST /api/config/check), and fails showing what it sent.</summary>
    private static void CheckedEdits(IWebDriver browser, string edits)
    {
        try
        {
            WaitFor(browser, () => LastCall(browser, "/api/config/check").GetProperty("body").GetRawText() == edits, TimeSpan.FromSeconds(3), "the edits as keys");
        }
        catch (AssertFailedException)
        {
            Assert.AreEqual(edits, LastCall(browser, "/api/config/check").GetProperty("body").GetRawText(), "the edits as keys");
        }
    }

    private static JsonElement LastCall(IWebDriver browser, string path) =>
        JsonDocument.Parse((string)Script(browser, "return JSON.stringify(window.calls.filter(c => c.path === arguments[0]).at(-1) || null);", path)!).RootElement.Clone();

    private void Keep(ChromeDriver browser, string name)
    {
        var file = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        browser.GetScreenshot().SaveAsFile(file);
        TestContext.AddResultFile(file);
    }
}
