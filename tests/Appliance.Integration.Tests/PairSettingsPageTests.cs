using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using static Appliance.Integration.Tests.StatusPageTests;

namespace Appliance.Integration.Tests;

/// <summary>
/// The status page's pair card (docs/api.md#pair-settings) at phone width in Debian's headless Chromium: the
/// settings compared with the peer's, the differing keys, and "Copy settings to the peer" with the token. The
/// pair's part of <c>/api/status</c> and the copy stand in the page (a box of a pair needs the pair lab:
/// <see cref="PairTests.ASettingChangedOnOneBoxIsShownOnBothAndCopiedToThePeer"/> is the same against two firmwares).
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PairSettingsPageTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    public TestContext TestContext { get; set; } = null!;

    /// <summary>Adds a pair (settings differing in two keys) to the firmware's real status; answers the copy and records it in <c>window.copies</c>.</summary>
    private const string StandIn = """
        window.copies = [];
        let settings = { state: "differ", keys: ["health.rise", "servers.1.address"], why: "" };
        const real = window.fetch;
        const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
        window.fetch = async (url, init) => {
          const path = String(url);
          if (path === "/api/status") {
            const status = await (await real(url, init)).json();
            status.pair = { role: "active", peer: "quiet", paths: { lan: "master", peer: "master" }, settings };
            return json(200, status);
          }
          if (path !== "/api/pair/copy-settings") return real(url, init);
          const headers = (init && init.headers) || {};
          window.copies.push({ method: init.method, auth: headers.Authorization || null, credentials: init.credentials });
          settings = { state: "same", keys: [], why: "" };
          return json(200, { accepted: true, message: "the peer took this box's settings (changed: health.rise, servers.1.address), keeping its own per-box keys", peer_status: 200, keys: ["health.rise", "servers.1.address"] });
        };
        """;

    [TestMethod]
    public void ThePairCardShowsTheDifferenceAndCopiesWithTheTokenOnAPhone()
    {
        using var lab = Lab.Up($"{Host.Prefix}s2", "198.19.218");
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http", "interval=50ms", "timeout=300ms"));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(390, 844, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/");
            WaitFor(browser, () => TextOf(browser, "#summary").Contains("master", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the summary");
            Assert.IsFalse(Shown(browser, "#pair"), "a box on its own has no pair card");

            browser.ExecuteScript(StandIn);
            WaitFor(browser, () => Shown(browser, "#pair"), TimeSpan.FromSeconds(2), "the pair card");
            StringAssert.StartsWith(TextOf(browser, "#pair-settings"), "DIFFER from the peer's");
            Assert.AreEqual("health.rise\nservers.1.address", TextOf(browser, "#pair-keys"));
            StringAssert.Contains(TextOf(browser, "#summary-detail"), "settings DIFFER from the peer's", "the fault in the summary too");
            Assert.IsFalse(Shown(browser, "#pair-copy"), "no copy without the token");
            Assert.IsTrue(Shown(browser, "#pair-locked"));
            Assert.IsTrue((bool)browser.ExecuteScript("return document.documentElement.scrollWidth <= window.innerWidth;")!, "no sideways scrolling on a phone");
            Axe.AssertNoViolations(browser, "pair card, settings differ, locked", TestContext);

            // As the settings view leaves it once unlocked (SettingsPageTests unlocks through the form).
            browser.ExecuteScript("token = arguments[0];", Token);
            WaitFor(browser, () => Shown(browser, "#pair-copy"), TimeSpan.FromSeconds(2), "the copy button");
            Keep(browser, "pair-card-differ.png");
            browser.FindElement(By.Id("pair-copy")).Click();
            WaitFor(browser, () => TextOf(browser, "#pair-result").StartsWith("the peer took", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "the peer's answer");
            WaitFor(browser, () => TextOf(browser, "#pair-settings") == "the same as the peer's", TimeSpan.FromSeconds(2), "the settings the same");
            Assert.AreEqual("", TextOf(browser, "#pair-keys"));
            var copies = (System.Collections.ObjectModel.ReadOnlyCollection<object>)browser.ExecuteScript("return window.copies;")!;
            var copy = (Dictionary<string, object>)copies.Single();
            Assert.AreEqual("POST", copy["method"]);
            Assert.AreEqual($"Bearer {Token}", copy["auth"], "the token in the Authorization header");
            Assert.AreEqual("omit", copy["credentials"], "never a cookie");
            Assert.AreEqual("good", browser.FindElement(By.Id("pair-result")).GetAttribute("class"));
            Assert.IsTrue((bool)browser.ExecuteScript("return document.documentElement.scrollWidth <= window.innerWidth;")!, "no sideways scrolling on a phone");
            Keep(browser, "pair-card-same.png");
            Axe.AssertNoViolations(browser, "pair card after a copy", TestContext);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static bool Shown(IWebDriver browser, string selector) => (bool)((IJavaScriptExecutor)browser).ExecuteScript(
        "const e = document.querySelector(arguments[0]); return !!e && e.offsetParent !== null;", selector)!;

    private void Keep(ChromeDriver browser, string name)
    {
        var path = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        browser.GetScreenshot().SaveAsFile(path);
        TestContext.AddResultFile(path);
    }
}
