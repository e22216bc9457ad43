using System.Text.Json;
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
            Assert.AreEqual("off", TextOf(browser, "#led-slave .state"), "an LED's state in words, not only in colour");
            Assert.AreEqual("", TextOf(browser, "#live"), "nothing to announce while nothing changed");
            Keep(browser, "status-page-master.png");
            Axe.AssertNoViolations(browser, "read-only view", TestContext);

            lab.Fault("link-down", "master");
            var pulled = DateTime.UtcNow;
            WaitFor(browser, () => Led(browser, "slave") == "on" && Led(browser, "master") == "off", TimeSpan.FromSeconds(1), "the slave's LED on within a second");
            TestContext.WriteLine($"page showed the slave {(DateTime.UtcNow - pulled).TotalMilliseconds:0} ms after the link was pulled");
            Assert.AreEqual("down", Card(browser, "master"));
            Assert.AreEqual("active", Card(browser, "slave"));
            Assert.AreEqual("blink", Led(browser, "fault"), "a server is down");
            WaitFor(browser, () => TextOf(browser, "#events").Contains("failover from master to slave", StringComparison.Ordinal), TimeSpan.FromSeconds(2), "the event in the timeline");
            Assert.AreEqual("blinking", TextOf(browser, "#led-fault .state"));
            // A screen reader hears the failover (a polite live region) without the page being read again.
            StringAssert.Contains(TextOf(browser, "#live"), "Failover: slave is serving");
            StringAssert.Contains(TextOf(browser, "#live"), "master is down");
            Keep(browser, "status-page-slave.png");
            Axe.AssertNoViolations(browser, "read-only view with a server down", TestContext);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void PollsChangeOnlyTheTextThatChanged()
    {
        using var lab = Host.NewLab();
        // Link checks only: nothing changes while the links stay up, however busy the machine is.
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=link"));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 768, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/");
            WaitFor(browser, () => Led(browser, "master") == "on", TimeSpan.FromSeconds(5), "the master's LED on");
            // Counts every change to the page for two seconds (eight polls) while nothing happens.
            browser.ExecuteScript("""
                window.mutations = [];
                new MutationObserver(list => { for (const m of list) window.mutations.push(m.type + " " + (m.target.id || m.target.nodeName) + " " + (m.attributeName || "")); })
                  .observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
                """);
            Thread.Sleep(2000);
            var mutations = ((IReadOnlyCollection<object>)browser.ExecuteScript("return window.mutations;")!).Cast<string>().ToList();
            TestContext.WriteLine($"changes in 2 s: {mutations.Count}: {string.Join("; ", mutations.Take(20))}");
            // The server cards' "last" line (the newest probe's detail) may change; nothing is rebuilt.
            Assert.IsFalse(mutations.Any(m => m.StartsWith("childList servers", StringComparison.Ordinal) || m.StartsWith("childList summary", StringComparison.Ordinal)
                || m.StartsWith("childList panel", StringComparison.Ordinal) || m.StartsWith("childList events", StringComparison.Ordinal)),
                $"the polls rebuilt parts of the page: {string.Join("; ", mutations)}");
            Assert.IsLessThan(40, mutations.Count, $"eight polls without a change changed the page: {string.Join("; ", mutations)}");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void ABlinkingLedStaysLitWhenTheReaderAsksForLessMotion()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http", "interval=50ms", "timeout=300ms"));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 768, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/");
            WaitFor(browser, () => Led(browser, "master") == "on", TimeSpan.FromSeconds(5), "the master's LED on");
            lab.Fault("link-down", "master");
            WaitFor(browser, () => Led(browser, "fault") == "blink", TimeSpan.FromSeconds(5), "the fault LED blinking");

            Assert.AreEqual("blink", Animation(browser, "#led-fault i"), "blinks without a preference");
            Emulate(browser, "reduce");
            Assert.AreEqual("none", Animation(browser, "#led-fault i"), "no blinking with prefers-reduced-motion: reduce");
            Assert.AreEqual("rgb(220, 38, 38)", (string?)browser.ExecuteScript("return getComputedStyle(document.querySelector('#led-fault i')).backgroundColor;"), "lit, not dark");
            Assert.AreEqual("blinking", TextOf(browser, "#led-fault .state"), "the words say what the light no longer shows");
            Emulate(browser, "no-preference");
            Assert.AreEqual("blink", Animation(browser, "#led-fault i"));
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void OlderEventsComeAPageAtATime()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("probe=http", "interval=50ms", "timeout=300ms"));
        lab.WaitServing("master", TimeSpan.FromSeconds(5));
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        // A refused failback is an event: 60 of them push the first events past the page's first 50.
        using (var http = new HttpClient { BaseAddress = new Uri($"http://{lab.Management}:8080") })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(lab.TokenFile).Trim());
            for (var i = 0; i < 60; i++) http.PostAsync("/api/failback", null).GetAwaiter().GetResult().Dispose();
        }
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 768, profile.FullName);
            browser.Navigate().GoToUrl($"http://{lab.Management}:8080/");
            WaitFor(browser, () => Count(browser, "#events li") > 0, TimeSpan.FromSeconds(5), "the events");
            Assert.AreEqual(50, Count(browser, "#events li"), "the newest 50 first");
            Assert.DoesNotContain("started", TextOf(browser, "#events"), "the firmware's start is older than the newest 50");

            // From the keyboard, as the button is reached with Tab.
            var older = browser.FindElement(By.Id("older"));
            older.SendKeys(Keys.Enter);
            WaitFor(browser, () => TextOf(browser, "#events").Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the first events after 'Older events'");
            var total = JsonDocument.Parse(new HttpClient().GetStringAsync($"http://{lab.Management}:8080/api/events?after=0&limit=1000").GetAwaiter().GetResult())
                .RootElement.GetProperty("events").GetArrayLength();
            Assert.AreEqual(total, Count(browser, "#events li"), "every event once, none twice");
            var seqs = ((IReadOnlyCollection<object>)browser.ExecuteScript("return [...document.querySelectorAll('#events li')].map(li => Number(li.dataset.seq));")!)
                .Select(Convert.ToInt64).ToList();
            CollectionAssert.AreEqual(seqs.OrderDescending().ToList(), seqs, "newest first, the older page below");
            WaitFor(browser, () => TextOf(browser, "#older-note") == "No older events are kept.", TimeSpan.FromSeconds(2), "the end of the history");
            Assert.IsFalse(older.Displayed, "no button for what is not there");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static string? Animation(IWebDriver browser, string selector) =>
        (string?)((IJavaScriptExecutor)browser).ExecuteScript("return getComputedStyle(document.querySelector(arguments[0])).animationName;", selector);

    private static long Count(IWebDriver browser, string selector) =>
        (long)((IJavaScriptExecutor)browser).ExecuteScript("return document.querySelectorAll(arguments[0]).length;", selector)!;

    /// <summary>What the reader's system asks for, as the browser tells the page (DevTools' media emulation).</summary>
    internal static void Emulate(ChromeDriver browser, string reducedMotion) => browser.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object?>
    {
        ["features"] = new[] { new Dictionary<string, object> { ["name"] = "prefers-reduced-motion", ["value"] = reducedMotion } },
    });

    /// <summary>Prints the firmware's log when the test fails, to see what it saw.</summary>
    internal sealed class FirmwareLogOnFailure(Firmware firmware, TestContext context) : IDisposable
    {
        public void Dispose()
        {
            if (context.CurrentTestOutcome != UnitTestOutcome.Passed) context.WriteLine(firmware.Log);
        }
    }

    internal static string? Led(IWebDriver browser, string name) => StateOf(browser, $"#led-{name}");

    private static string? Card(IWebDriver browser, string name) => StateOf(browser, $".server[data-name='{name}']");

    // Read inside the page, in one step: the page rebuilds the server cards when the list of servers
    // changes, and an element found by WebDriver can be gone (stale) by the time its attribute is asked for.
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
