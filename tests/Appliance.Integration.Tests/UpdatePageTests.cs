using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using static Appliance.Integration.Tests.StatusPageTests;

namespace Appliance.Integration.Tests;

/// <summary>
/// The status page's "System update" section (docs/api.md#system-update) in Debian's headless Chromium: the
/// system's version and slots, the last boot (a roll-back also on the status view), an upload or a URL
/// installed with its progress, RAUC's refusal beside the form, and "Restart now" once installed.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed partial class UpdatePageTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>
    /// Each state of GET /api/update as docs/api.md describes it, from an in-page stand-in for <c>/api/update*</c>
    /// (the rest, the settings' unlock included, is the firmware's): what the section shows, what it announces,
    /// what it sends, and no WCAG 2.1 AA violation in any state.
    /// </summary>
    [TestMethod]
    public void TheUpdateSectionShowsEachStateAccessibly()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=link"));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var token = File.ReadAllText(lab.TokenFile).Trim();
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/#update");
            WaitFor(browser, () => Shown(browser, "#update") && Shown(browser, "#unlock"), TimeSpan.FromSeconds(5), "the update section");
            browser.ExecuteScript(StandIn, Document("idle"));
            WaitFor(browser, () => TextOf(browser, "#sys-version") == "2", TimeSpan.FromSeconds(5), "the system's version");
            Assert.AreEqual("A (appliance-amd64)", TextOf(browser, "#sys-booted"));
            StringAssert.Contains(TextOf(browser, "#last-boot"), "good: version 2 from slot A");
            var rows = TextOf(browser, "#slot-rows");
            StringAssert.Contains(rows, "A (rootfs.0), booted");
            StringAssert.Contains(rows, "B (rootfs.1)");
            StringAssert.Contains(rows, "bad", "a slot's boot status in words");
            Assert.IsTrue(Shown(browser, "#update-locked"), "locked: no install without the token");
            Assert.IsFalse(Shown(browser, "#update-controls"));
            Assert.IsFalse(Shown(browser, "#rollback"), "nothing rolled back");
            Axe.AssertNoViolations(browser, "update section, locked", TestContext);

            Type(browser, "#token", token);
            browser.FindElement(By.CssSelector("#unlock button")).Click();
            WaitFor(browser, () => Shown(browser, "#update-controls"), TimeSpan.FromSeconds(5), "the install form once unlocked");
            Assert.AreEqual(".raucb", Attribute(browser, "#bundle", "accept"));
            Axe.AssertNoViolations(browser, "update section, idle", TestContext);

            // Nothing chosen: said beside the form, nothing sent.
            browser.FindElement(By.Id("upload-button")).Click();
            WaitFor(browser, () => TextOf(browser, "#update-message").StartsWith("Choose a bundle file", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "the missing file");
            Assert.AreEqual("true", Attribute(browser, "#bundle", "aria-invalid"));
            Assert.AreEqual("bundle", Script(browser, "return document.activeElement.id;"));

            // From a URL: sent with the token, then the download's and the installation's progress.
            Type(browser, "#bundle-url", "http://198.18.0.9/appliance-3.raucb");
            browser.FindElement(By.Id("url-button")).Click();
            WaitFor(browser, () => Calls(browser, "POST", "/api/update").Count == 1, TimeSpan.FromSeconds(2), "the URL sent");
            var sent = Calls(browser, "POST", "/api/update")[0];
            Assert.AreEqual($"Bearer {token}", sent.GetProperty("auth").GetString());
            Assert.AreEqual("""{"url":"http://198.18.0.9/appliance-3.raucb"}""", sent.GetProperty("body").GetString());
            WaitFor(browser, () => TextOf(browser, "#update-percent") == "25%", TimeSpan.FromSeconds(2), "the download's percent");
            Assert.AreEqual("Downloading the bundle", TextOf(browser, "#update-phase"));
            Assert.AreEqual("true", Attribute(browser, "#url-button", "aria-disabled"), "no second install while one runs");

            SetDocument(browser, Document("installing"));
            WaitFor(browser, () => TextOf(browser, "#update-percent") == "40%", TimeSpan.FromSeconds(2), "the installation's percent");
            Assert.AreEqual(40L, Script(browser, "return document.getElementById('update-progress').value;"));
            Assert.AreEqual("Installing version 3: Checking bundle", TextOf(browser, "#update-message"));
            Assert.AreEqual("status", Attribute(browser, "#update-message", "role"), "announced politely");
            Keep(browser, "update-installing.png");
            Axe.AssertNoViolations(browser, "update section, installing", TestContext);

            // Installed: the restart, confirmed, goes with the token.
            SetDocument(browser, Document("installed"));
            WaitFor(browser, () => TextOf(browser, "#update-message") == "Version 3 installed; restart to use it", TimeSpan.FromSeconds(2), "installed");
            Assert.IsFalse(Shown(browser, "#update-run"), "no progress once installed");
            Assert.IsTrue(Shown(browser, "#restart"));
            Axe.AssertNoViolations(browser, "update section, installed", TestContext);
            browser.FindElement(By.Id("restart")).Click();
            Assert.AreEqual("restart-question", Script(browser, "return document.activeElement.id;"), "the question is read first");
            Assert.IsEmpty(Calls(browser, "POST", "/api/update/reboot"), "nothing before the confirmation");
            Axe.AssertNoViolations(browser, "update section, restart asked", TestContext);
            browser.FindElement(By.Id("restart-no")).Click();
            Assert.AreEqual("restart", Script(browser, "return document.activeElement.id;"), "Cancel goes back to the button");
            browser.FindElement(By.Id("restart")).SendKeys(Keys.Enter);
            browser.FindElement(By.Id("restart-question")).SendKeys(Keys.Escape);
            Assert.AreEqual("restart", Script(browser, "return document.activeElement.id;"), "Escape cancels too");
            Assert.IsEmpty(Calls(browser, "POST", "/api/update/reboot"));
            browser.FindElement(By.Id("restart")).Click();
            browser.FindElement(By.Id("restart-yes")).Click();
            WaitFor(browser, () => TextOf(browser, "#update-message").StartsWith("Restarting", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "restarting");
            Assert.AreEqual($"Bearer {token}", Calls(browser, "POST", "/api/update/reboot")[0].GetProperty("auth").GetString());

            // Back, on the new version.
            SetDocument(browser, Document("booted"));
            WaitFor(browser, () => TextOf(browser, "#sys-version") == "3", TimeSpan.FromSeconds(3), "the new version");
            WaitFor(browser, () => TextOf(browser, "#update-message") == "", TimeSpan.FromSeconds(2), "no restart pending");
            StringAssert.Contains(TextOf(browser, "#live"), "The appliance runs version 3");

            // Refused: RAUC's reason beside the form.
            SetDocument(browser, Document("failed"));
            WaitFor(browser, () => TextOf(browser, "#update-message").StartsWith("Not installed: ", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "the refusal");
            StringAssert.Contains(TextOf(browser, "#update-message"), "signature verification failed");
            Assert.AreEqual("bad", Attribute(browser, "#update-message", "class"));
            StringAssert.Contains(Attribute(browser, "#bundle", "aria-describedby"), "update-message", "read out with the file field");
            Keep(browser, "update-failed.png");
            Axe.AssertNoViolations(browser, "update section, failed", TestContext);

            // Rolled back: in the section, announced, and on the status view for everyone.
            SetDocument(browser, Document("rolled_back"));
            WaitFor(browser, () => TextOf(browser, "#last-boot").StartsWith("rolled back", StringComparison.Ordinal), TimeSpan.FromSeconds(3), "the roll-back");
            StringAssert.Contains(TextOf(browser, "#last-boot"), "switch not programmed within 300 s");
            Assert.AreEqual("bad", Attribute(browser, "#last-boot", "class"));
            StringAssert.Contains(TextOf(browser, "#live"), "The last update was rolled back");
            Axe.AssertNoViolations(browser, "update section, rolled back", TestContext);
            browser.FindElement(By.Id("to-status")).Click();
            WaitFor(browser, () => Shown(browser, "#rollback"), TimeSpan.FromSeconds(2), "the roll-back on the status view");
            StringAssert.Contains(TextOf(browser, "#rollback"), "switch not programmed within 300 s");
            StringAssert.Contains(TextOf(browser, "#rollback"), "runs version 2 from slot A");
            Keep(browser, "update-rolled-back-status.png");
            Axe.AssertNoViolations(browser, "status view after a roll-back", TestContext);

            // A lab host without RAUC; a phone.
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/#update");
            browser.ExecuteScript(StandIn, Document("absent"));
            WaitFor(browser, () => Shown(browser, "#no-slots"), TimeSpan.FromSeconds(5), "no slots");
            Assert.AreEqual("unknown (not an appliance image)", TextOf(browser, "#sys-version"));
            browser.Manage().Window.Size = new System.Drawing.Size(390, 844);
            WaitFor(browser, () => (bool)Script(browser, "return window.innerWidth <= 400;")!, TimeSpan.FromSeconds(2), "a phone's width");
            SetDocument(browser, Document("installing"));
            WaitFor(browser, () => TextOf(browser, "#update-percent") == "40%", TimeSpan.FromSeconds(3), "the installation on a phone");
            // Polled, naming what sticks out: one CI run saw the page wider than the phone.
            AssertFitsAPhone(browser);
            Keep(browser, "update-phone.png");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A trial boot that went back to the old slot (last-boot.json as the box's trial-boot script writes it), read by the
    /// firmware: a red box on the status view, the reason in the section, on a host without RAUC's service (no slots).
    /// </summary>
    [TestMethod]
    public void ARolledBackUpdateIsShownOnTheStatusViewAndInTheSection()
    {
        using var lab = Host.NewLab();
        var path = lab.WriteConfig("probe=link");
        var spool = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(path)!, "update"));
        File.WriteAllText(Path.Combine(spool.FullName, "last-boot.json"),
            """{"time":"2026-12-02T13:00:00Z","slot":"B","version":"3","result":"rolled_back","message":"the switch was not programmed within 300 s"}""");
        using var firmware = Firmware.StartOn(lab, path);
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/");
            WaitFor(browser, () => Shown(browser, "#rollback"), TimeSpan.FromSeconds(10), "the roll-back on the status view");
            StringAssert.Contains(TextOf(browser, "#rollback"), "the switch was not programmed within 300 s");
            WaitFor(browser, () => Led(browser, "master") == "on", TimeSpan.FromSeconds(5), "the status view as ever");
            Axe.AssertNoViolations(browser, "status view after a roll-back (firmware)", TestContext);

            browser.FindElement(By.CssSelector("#rollback a")).Click();
            WaitFor(browser, () => Shown(browser, "#update-info"), TimeSpan.FromSeconds(2), "the update section");
            Assert.AreEqual("update-title", Script(browser, "return document.activeElement.id;"), "the link lands on the section");
            StringAssert.StartsWith(TextOf(browser, "#last-boot"), "rolled back");
            StringAssert.Contains(TextOf(browser, "#last-boot"), "the switch was not programmed within 300 s");
            Assert.IsTrue(Shown(browser, "#no-slots"), "no RAUC service here: no slots");
            Assert.AreEqual("unknown (not an appliance image)", TextOf(browser, "#sys-version"));
            Axe.AssertNoViolations(browser, "update section after a roll-back (firmware)", TestContext);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>Without <c>/api/update</c> (a firmware before it, <c>appliance fault</c>) the section says so and the rest works.</summary>
    [TestMethod]
    public void AFirmwareWithoutTheUpdateApiIsSaidSo()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=link"));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/");
            browser.ExecuteScript("const real = window.fetch; window.fetch = (url, init) => String(url).startsWith('/api/update') ? Promise.resolve(new Response('{}', { status: 404 })) : real(url, init);");
            browser.FindElement(By.Id("to-settings")).Click();
            WaitFor(browser, () => TextOf(browser, "#update-absent").Contains("no /api/update", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "no update API");
            Assert.IsFalse(Shown(browser, "#update-info"));
            browser.FindElement(By.Id("to-status")).Click();
            WaitFor(browser, () => Led(browser, "master") == "on", TimeSpan.FromSeconds(5), "the status view as ever");
            Assert.IsFalse(Shown(browser, "#rollback"));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>GET /api/update in each state of the stand-in, as docs/api.md shows it.</summary>
    private static string Document(string state)
    {
        var slots = """[{"name":"rootfs.0","bootname":"A","booted":true,"boot_status":"good","version":"2","installed":"2026-11-30T09:00:00Z"},{"name":"rootfs.1","bootname":"B","booted":false,"boot_status":"bad","version":"1","installed":"2026-10-01T09:00:00Z"}]""";
        var good = """{"time":"2026-11-30T09:05:00Z","slot":"A","version":"2","result":"good","message":"the switch is programmed and master answers"}""";
        var system = """{"version":"2","booted":"A","compatible":"appliance-amd64"}""";
        var bundle = """{"version":"3","compatible":"appliance-amd64"}""";
        string Doc(string operation, int progress, string message, string bundleJson, string error, bool reboot, string lastBoot, string sys = "", string slotsJson = "") =>
            $$"""{"system":{{(sys == "" ? system : sys)}},"slots":{{(slotsJson == "" ? slots : slotsJson)}},"operation":"{{operation}}","progress":{{progress}},"message":"{{message}}","bytes":0,"total":null,"bundle":{{bundleJson}},"error":{{error}},"reboot_needed":{{(reboot ? "true" : "false")}},"last_boot":{{lastBoot}}}""";
        return state switch
        {
            "idle" => Doc("idle", 0, "", "null", "null", false, good),
            "installing" => Doc("installing", 40, "Checking bundle", bundle, "null", false, good),
            "installed" => Doc("installed", 100, "Installing done.", bundle, "null", true, good),
            "booted" => Doc("idle", 0, "", "null", "null", false, """{"time":"2026-12-02T13:00:00Z","slot":"B","version":"3","result":"good","message":"the switch is programmed and master answers"}""",
                sys: """{"version":"3","booted":"B","compatible":"appliance-amd64"}"""),
            "failed" => Doc("failed", 0, "", "null", "\"signature verification failed: unable to get local issuer certificate\"", false, good),
            "rolled_back" => Doc("idle", 0, "", "null", "null", false, """{"time":"2026-12-02T13:10:00Z","slot":"A","version":"2","result":"rolled_back","message":"version 3 in slot B did not come up: switch not programmed within 300 s"}"""),
            "absent" => Doc("idle", 0, "", "null", "null", false, "null", sys: """{"version":null,"booted":null,"compatible":null}""", slotsJson: "[]"),
            _ => throw new ArgumentException(state),
        };
    }

    /// <summary>
    /// Stands in for <c>/api/update*</c> in the page: GET answers <c>window.updateDocument</c>; POST /api/update (a URL)
    /// answers 202 and goes on downloading; POST /api/update/reboot answers 202. Each request is recorded in
    /// <c>window.calls</c>. Argument: the first document.
    /// </summary>
    private const string StandIn = """
        window.updateDocument = JSON.parse(arguments[0]);
        window.calls = [];
        const real = window.fetch;
        const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
        window.fetch = async (url, init) => {
          const path = String(url);
          if (!path.startsWith("/api/update")) return real(url, init);
          const method = (init && init.method) || "GET", headers = (init && init.headers) || {};
          if (method === "GET") return json(200, window.updateDocument);
          window.calls.push({ method, path, auth: headers.Authorization || null, credentials: init.credentials, body: init.body || null });
          if (path === "/api/update") {
            window.updateDocument = { ...window.updateDocument, operation: "downloading", progress: 0, bytes: 25 << 20, total: 100 << 20, message: "downloading" };
            return json(202, window.updateDocument);
          }
          return json(202, { accepted: true, message: "restarting" });
        };
        """;

    private static void SetDocument(IWebDriver browser, string document) => Script(browser, "window.updateDocument = JSON.parse(arguments[0]);", document);

    private static List<JsonElement> Calls(IWebDriver browser, string method, string path) =>
        [.. JsonDocument.Parse((string)Script(browser, "return JSON.stringify((window.calls || []).filter(c => c.method === arguments[0] && c.path === arguments[1]));", method, path)!)
            .RootElement.EnumerateArray().Select(e => e.Clone())];

    private static object? Script(IWebDriver browser, string script, params object[] args) => ((IJavaScriptExecutor)browser).ExecuteScript(script, args);

    private static bool Shown(IWebDriver browser, string selector) =>
        (bool)Script(browser, "const e = document.querySelector(arguments[0]); return !!e && e.checkVisibility();", selector)!;

    private static string? Attribute(IWebDriver browser, string selector, string name) =>
        (string?)Script(browser, "return document.querySelector(arguments[0]).getAttribute(arguments[1]);", selector, name);

    private static void Type(IWebDriver browser, string selector, string text)
    {
        var field = browser.FindElement(By.CssSelector(selector));
        field.SendKeys(Keys.Control + "a");
        field.SendKeys(Keys.Delete);
        field.SendKeys(text);
    }

    /// <summary>A screenshot with the results, the update section's outcome in view.</summary>
    /// <summary>The page and the update section no wider than the window within 3 s; else the elements that stick out.</summary>
    private static void AssertFitsAPhone(IWebDriver browser)
    {
        // main as well as the document: a long unbroken line (the config file's path on a lab host) overflowed main
        // by 13 px without widening the document, and wider by a longer path.
        const string fits = "const u = document.getElementById('update'), m = document.querySelector('main'); return document.documentElement.scrollWidth <= window.innerWidth && m.scrollWidth <= m.clientWidth && u.scrollWidth <= u.clientWidth;";
        const string offenders = """
            return [...document.querySelectorAll('body *')].filter(e => e.checkVisibility() && e.getBoundingClientRect().right > window.innerWidth + 0.5)
              .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} right=${Math.round(e.getBoundingClientRect().right)} text="${(e.textContent ?? '').trim().slice(0, 40)}"`)
              .slice(0, 10).join('; ') + [...document.querySelectorAll('main *')].filter(e => e.checkVisibility() && e.clientWidth > 1 && e.scrollWidth > e.clientWidth)
              .map(e => ` overflowing: ${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} ${e.scrollWidth} > ${e.clientWidth}`).slice(0, 10).join(';') + ` (innerWidth ${window.innerWidth}, scrollWidth ${document.documentElement.scrollWidth})`;
            """;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (!(bool)Script(browser, fits)!)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"sideways scrolling on a phone: {Script(browser, offenders)}");
            Thread.Sleep(100);
        }
    }

    private void Keep(ChromeDriver browser, string name)
    {
        Script(browser, "const e = document.getElementById('update-message'); if (e.checkVisibility()) e.scrollIntoView({ block: 'center' });");
        var file = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        browser.GetScreenshot().SaveAsFile(file);
        TestContext.AddResultFile(file);
    }
}
