using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Appliance.Integration.Tests;

/// <summary>
/// The status page in a real browser (Debian's headless Chromium): it shows what the box's panel
/// shows, follows a failure by itself within a second, and fits a phone. Screenshots are kept
/// with the test results.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class StatusPageTests
{
    public TestContext TestContext { get; set; } = null!;

    internal static ChromeDriver Browser(int width, int height, string profile)
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        // As root, without a desktop, with no calls to Google's servers on this closed network.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--window-size={width},{height}",
            $"--user-data-dir={profile}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    [TestMethod]
    public void ThePageFollowsAFailoverWithinASecondAndFitsAPhone()
    {
        using var lab = Host.NewLab();
        // Chromium starting up can starve this 2-core machine for a moment; patient probes keep a
        // busy test machine from looking like failing servers. The page, not the probes, is tested here.
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http", "interval=50ms", "timeout=300ms"));
        lab.WaitServing("master", TimeSpan.FromSeconds(5));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(390, 844, profile.FullName); // a phone
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/");

            WaitFor(browser, () => Led(browser, "master") == "on" && Led(browser, "slave") == "off", TimeSpan.FromSeconds(5), "the master's LED on");
            Assert.AreEqual("active", Card(browser, "master"));
            StringAssert.Contains(TextOf(browser, "#summary"), "master");
            Assert.AreEqual($"{Built.Version} ({Built.Commit})", TextOf(browser, "#build"), "the firmware's version in the footer");
            Assert.IsTrue((bool)browser.ExecuteScript("return document.documentElement.scrollWidth <= window.innerWidth;")!, "no sideways scrolling on a phone");
            Keep(browser, "status-page-master.png");

            lab.Fault("link-down", "master");
            var pulled = DateTime.UtcNow;
            WaitFor(browser, () => Led(browser, "slave") == "on" && Led(browser, "master") == "off", TimeSpan.FromSeconds(1), "the slave's LED on within a second");
            TestContext.WriteLine($"page showed the slave {(DateTime.UtcNow - pulled).TotalMilliseconds:0} ms after the link was pulled");
            Assert.AreEqual("down", Card(browser, "master"));
            Assert.AreEqual("active", Card(browser, "slave"));
            Assert.AreEqual("blink", Led(browser, "fault"), "a server is down");
            WaitFor(browser, () => TextOf(browser, "#events").Contains("failover from master to slave", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "the event in the timeline");
            Keep(browser, "status-page-slave.png");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>Prints the firmware's log when the test fails, to see what it saw.</summary>
    private sealed class FirmwareLogOnFailure(Firmware firmware, TestContext context) : IDisposable
    {
        public void Dispose()
        {
            if (context.CurrentTestOutcome != UnitTestOutcome.Passed) context.WriteLine(firmware.Log);
        }
    }

    internal static string? Led(IWebDriver browser, string name) => StateOf(browser, $"#led-{name}");

    private static string? Card(IWebDriver browser, string name) => StateOf(browser, $".server[data-name='{name}']");

    // Read inside the page, in one step: the page redraws its elements on every poll, and an element
    // found by WebDriver can be gone (stale) by the time its attribute is asked for.
    private static string? StateOf(IWebDriver browser, string selector) => (string?)((IJavaScriptExecutor)browser).ExecuteScript(
        "const e = document.querySelector(arguments[0]); return e ? e.getAttribute('data-state') : null;", selector);

    internal static string TextOf(IWebDriver browser, string selector) =>
        (string?)((IJavaScriptExecutor)browser).ExecuteScript("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", selector) ?? "";

    internal static void WaitFor(IWebDriver browser, Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (condition()) return;
            }
            catch (WebDriverException)
            {
                // A script can run while the page replaces its document; the next poll reads again.
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"the page did not show {what} within {timeout.TotalSeconds} s:\n{TextOf(browser, "body").ReplaceLineEndings(" | ")}");
            Thread.Sleep(20);
        }
    }

    private void Keep(ChromeDriver browser, string name)
    {
        var path = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        browser.GetScreenshot().SaveAsFile(path);
        TestContext.AddResultFile(path);
    }
}
