using System.Net;
using System.Net.Sockets;
using Appliance.Api;
using Appliance.Policy;
using Appliance.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using OpenQA.Selenium.Chrome;
using static Appliance.Integration.Tests.StatusPageTests;

namespace Appliance.Integration.Tests;

/// <summary>
/// The status page's pair card in a real browser at phone width: the box's role, its peer and
/// paths, its fault, and the "Take over" / "Hand over" button (with the API token, as the page's
/// other actions). The API is served with a stand-in firmware: what the button asks is the test.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PairPageTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TheStandbyBoxsPageTakesOverWithTheTokenAndShowsAPairFault()
    {
        var folder = Directory.CreateTempSubdirectory("pair-page-");
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            var token = ApiToken.LoadOrCreate(Path.Combine(folder.FullName, "api.token"), out _);
            var secret = (await File.ReadAllTextAsync(Path.Combine(folder.FullName, "api.token"), TestContext.CancellationToken)).Trim();
            // A standby box that becomes active when asked to take over.
            var control = new StandInControl(StandInControl.Standby);
            control.OnMove = _ =>
            {
                control.Pair = control.Pair! with { Role = PairRole.Active, Paths = control.Pair.Paths.SetItem("lan", VrrpState.Master).SetItem("peer", VrrpState.Master) };
                return new RequestOutcome(true, "taking over");
            };
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            await using var api = ApiServer.Create(new IPEndPoint(IPAddress.Loopback, port), control, token, new HostFilter([IPAddress.Loopback], []), NullLoggerFactory.Instance);
            await api.StartAsync(TestContext.CancellationToken);

            using ChromeDriver browser = Browser(390, 844, profile.FullName); // a phone
            browser.Navigate().GoToUrl($"http://127.0.0.1:{port}/");
            // The button's text is in the page's HTML, so the first status poll is awaited through the state line.
            WaitFor(browser, () => TextOf(browser, "#pair-state").Contains("This box: STANDBY · peer master · paths: lan backup, peer backup", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), "the standby's pair state");
            Assert.AreEqual("Take over", TextOf(browser, "#pair-move"));
            Assert.AreEqual("", TextOf(browser, "#pair-fault"), "no fault shown");
            Assert.IsTrue((bool)browser.ExecuteScript("return document.documentElement.scrollWidth <= window.innerWidth;")!, "no sideways scrolling on a phone");

            browser.FindElement(OpenQA.Selenium.By.Id("pair-move")).Click();
            WaitFor(browser, () => TextOf(browser, "#pair-result").Contains("API token", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "that the token is needed");
            Assert.IsEmpty(control.Asked, "nothing asked without the token");

            // Unlocked as the settings view leaves it (the stand-in serves no /api/config for the form to read).
            browser.ExecuteScript("sessionStorage.setItem('appliance-token', arguments[0]); token = arguments[0];", secret);
            browser.FindElement(OpenQA.Selenium.By.Id("pair-move")).Click();
            WaitFor(browser, () => TextOf(browser, "#pair-result") == "taking over", TimeSpan.FromSeconds(10), "the firmware's answer");
            CollectionAssert.AreEqual(new[] { PairMoveKind.Takeover }, control.Asked.Select(a => a.Kind).ToArray());
            WaitFor(browser, () => TextOf(browser, "#pair-move") == "Hand over", TimeSpan.FromSeconds(10), "the active box's Hand over button");
            Axe.AssertNoViolations(browser, "pair card, active box", TestContext);

            control.Pair = control.Pair! with { Paths = control.Pair.Paths.SetItem("lan", VrrpState.Backup), SplitBrain = true };
            WaitFor(browser, () => TextOf(browser, "#pair-fault") == "Fault: split brain: this box is active and hears the peer as master on lan",
                TimeSpan.FromSeconds(10), "the split brain");
            StringAssert.Contains(TextOf(browser, "#live"), "Pair fault: split brain");
            Assert.IsTrue((bool)browser.ExecuteScript("return document.documentElement.scrollWidth <= window.innerWidth;")!, "no sideways scrolling with the fault shown");
            Axe.AssertNoViolations(browser, "pair card with a fault", TestContext);
        }
        finally
        {
            profile.Delete(recursive: true);
            folder.Delete(recursive: true);
        }
    }
}
