using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using static Appliance.Integration.Tests.StatusPageTests;

namespace Appliance.Integration.Tests;

/// <summary>The update section against the firmware with a real RAUC of its own (<see cref="RaucRig"/>).</summary>
public sealed partial class UpdatePageTests
{
    /// <summary>
    /// A bundle uploaded through the page into a real RAUC (<see cref="RaucRig"/>): the percent while the browser sends it
    /// (DevTools' throttling makes the upload last seconds), RAUC's percent while it installs, then "Version 3 installed;
    /// restart to use it", the image in slot B, and Restart now, confirmed, writing the reboot file.
    /// </summary>
    [TestMethod]
    public void ABundleUploadedThroughThePageIsInstalledAndAsksForARestart()
    {
        using var rig = RaucRig.Start();
        using var lab = Host.NewLab();
        var (firmware, reboot) = StartWithRauc(lab, rig);
        using var running = firmware;
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var (bundle, image) = rig.MakeBundle("3", 64 << 20);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            Unlock(browser, lab);
            WaitFor(browser, () => TextOf(browser, "#sys-version") == "2" && TextOf(browser, "#sys-booted") == $"A ({RaucRig.Compatible})", TimeSpan.FromSeconds(10), "the system's version and slot");
            StringAssert.Contains(TextOf(browser, "#slot-rows"), "A (rootfs.0), booted");
            StringAssert.Contains(TextOf(browser, "#slot-rows"), "B (rootfs.1)");

            // Every percent the page shows, as it shows it.
            browser.ExecuteScript("""
                window.seen = [];
                new MutationObserver(() => window.seen.push(document.getElementById('update-phase').textContent + ' ' + document.getElementById('update-percent').textContent))
                  .observe(document.getElementById('update-run'), { subtree: true, childList: true, characterData: true });
                """);
            browser.ExecuteCdpCommand("Network.enable", new Dictionary<string, object?>());
            browser.ExecuteCdpCommand("Network.emulateNetworkConditions", new Dictionary<string, object?>
            {
                ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = 6 << 20,
            });
            browser.FindElement(By.Id("bundle")).SendKeys(bundle);
            browser.FindElement(By.Id("upload-button")).Click();
            WaitFor(browser, () => TextOf(browser, "#update-phase") == "Sending the bundle" && Percent(browser) is > 0 and < 100, TimeSpan.FromSeconds(10), "the upload's percent");
            StringAssert.StartsWith(TextOf(browser, "#update-message"), "Sending ");
            Keep(browser, "update-sending.png");
            Axe.AssertNoViolations(browser, "update section, sending", TestContext);

            WaitFor(browser, () => TextOf(browser, "#update-message") == "Version 3 installed; restart to use it", TimeSpan.FromSeconds(90), "the installed message");
            var seen = ((IReadOnlyCollection<object>)browser.ExecuteScript("return window.seen;")!).Cast<string>().Distinct().ToList();
            TestContext.WriteLine($"progress shown: {string.Join(" | ", seen)}");
            Assert.IsTrue(seen.Any(x => x.StartsWith("Sending the bundle ", StringComparison.Ordinal) && x != "Sending the bundle 0%" && x != "Sending the bundle 100%"), "a percent while sending");
            Assert.IsTrue(seen.Any(x => x.StartsWith("Installing ", StringComparison.Ordinal)), "RAUC's percent while installing");
            CollectionAssert.AreEqual(image[..4096], RaucRig.Head(rig.SlotB, 4096), "the bundle's image is in slot B");
            Assert.IsTrue(Shown(browser, "#restart"));
            Assert.IsFalse(File.Exists(reboot), "no restart before it is asked for");
            Keep(browser, "update-installed.png");
            Axe.AssertNoViolations(browser, "update section, installed (RAUC)", TestContext);

            browser.FindElement(By.Id("restart")).Click();
            browser.FindElement(By.Id("restart-yes")).Click();
            WaitFor(browser, () => TextOf(browser, "#update-message").StartsWith("Restarting", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "restarting");
            Assert.IsTrue(File.Exists(reboot), "the reboot file written");
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>A bundle signed by another key: RAUC refuses it, and its reason stands beside the form; slot B is untouched.</summary>
    [TestMethod]
    public void ABundleSignedByAnotherKeyIsRefusedBesideTheForm()
    {
        using var rig = RaucRig.Start();
        using var lab = Host.NewLab();
        var (firmware, _) = StartWithRauc(lab, rig);
        using var running = firmware;
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var (bundle, _) = rig.MakeBundle("3", 1 << 20, otherKey: true);
        var before = RaucRig.Head(rig.SlotB, 4096);
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            using var browser = Browser(1024, 900, profile.FullName);
            Unlock(browser, lab);
            browser.FindElement(By.Id("bundle")).SendKeys(bundle);
            browser.FindElement(By.Id("upload-button")).Click();
            WaitFor(browser, () => TextOf(browser, "#update-message").StartsWith("Not installed: ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the refusal");
            using var http = new HttpClient();
            var error = JsonDocument.Parse(http.GetStringAsync($"http://{lab.Management}:8080/api/update").GetAwaiter().GetResult()).RootElement.GetProperty("error").GetString();
            TestContext.WriteLine($"beside the form: {TextOf(browser, "#update-message")}");
            Assert.IsFalse(string.IsNullOrEmpty(error));
            Assert.AreEqual($"Not installed: {error}", TextOf(browser, "#update-message"), "RAUC's reason, as the firmware has it");
            Assert.AreEqual("bad", Attribute(browser, "#update-message", "class"));
            Assert.IsFalse(Shown(browser, "#restart"), "nothing to restart for");
            CollectionAssert.AreEqual(before, RaucRig.Head(rig.SlotB, 4096), "slot B untouched");
            Keep(browser, "update-refused.png");
            Axe.AssertNoViolations(browser, "update section, refused (RAUC)", TestContext);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>
    /// "Install from URL": the firmware downloads a bundle from a web server on the lab's network (Python's, serving the
    /// rig's folder) and RAUC installs it; the page ends at "Version 4 installed; restart to use it".
    /// </summary>
    [TestMethod]
    public void ABundleFromAUrlIsDownloadedAndInstalled()
    {
        using var rig = RaucRig.Start();
        using var lab = Host.NewLab();
        var (firmware, _) = StartWithRauc(lab, rig);
        using var running = firmware;
        using var log = new FirmwareLogOnFailure(firmware, TestContext);
        var (bundle, image) = rig.MakeBundle("4", 8 << 20);
        var port = FreePort(lab.Management);
        using var server = Process.Start(new ProcessStartInfo("python3", ["-m", "http.server", port.ToString(CultureInfo.InvariantCulture), "--bind", lab.Management, "--directory", rig.Folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var served = new List<string>();
        server.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line) lock (served) served.Add(line);
        };
        server.BeginErrorReadLine();
        server.BeginOutputReadLine();
        var profile = Directory.CreateTempSubdirectory("chromium-");
        try
        {
            WaitListening(lab.Management, port);
            using var browser = Browser(1024, 900, profile.FullName);
            Unlock(browser, lab);
            Type(browser, "#bundle-url", $"http://{lab.Management}:{port}/{Path.GetFileName(bundle)}");
            browser.FindElement(By.Id("bundle-url")).SendKeys(Keys.Enter);
            WaitFor(browser, () => TextOf(browser, "#update-message") == "Version 4 installed; restart to use it", TimeSpan.FromSeconds(90), "the installed message");
            lock (served) TestContext.WriteLine($"the web server: {string.Join(" | ", served)}");
            lock (served) Assert.IsTrue(served.Any(l => l.Contains($"GET /{Path.GetFileName(bundle)}", StringComparison.Ordinal)), "the firmware fetched the bundle");
            CollectionAssert.AreEqual(image[..4096], RaucRig.Head(rig.SlotB, 4096), "the bundle's image is in slot B");
            Assert.IsTrue(Shown(browser, "#restart"));
        }
        finally
        {
            profile.Delete(recursive: true);
            server.Kill(entireProcessTree: true);
            server.WaitForExit(5000);
        }
    }

    private static int FreePort(string address)
    {
        var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void WaitListening(string address, int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Parse(address), port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>The firmware on <paramref name="lab"/> with <paramref name="rig"/>'s RAUC, version 2 in its os-release; returns it and its reboot file.</summary>
    private static (Firmware Firmware, string Reboot) StartWithRauc(Lab lab, RaucRig rig)
    {
        var path = lab.WriteConfig("probe=link");
        var folder = Path.GetDirectoryName(path)!;
        var osRelease = Path.Combine(folder, "os-release");
        File.WriteAllText(osRelease, "ID=debian\nIMAGE_ID=appliance\nIMAGE_VERSION=2\n");
        var reboot = Path.Combine(folder, "reboot");
        var firmware = Firmware.StartOn(lab, path, new Dictionary<string, string>
        {
            ["APPLIANCE_RAUC"] = rig.Command, ["APPLIANCE_REBOOT_FILE"] = reboot, ["APPLIANCE_OS_RELEASE"] = osRelease,
        });
        return (firmware, reboot);
    }

    /// <summary>Opens the update section and unlocks it with the lab's token.</summary>
    private static void Unlock(ChromeDriver browser, Lab lab)
    {
        browser.Navigate().GoToUrl($"http://{lab.Management}:8080/#update");
        WaitFor(browser, () => Shown(browser, "#unlock"), TimeSpan.FromSeconds(5), "the token form");
        Type(browser, "#token", File.ReadAllText(lab.TokenFile).Trim());
        browser.FindElement(By.CssSelector("#unlock button")).Click();
        WaitFor(browser, () => Shown(browser, "#update-controls"), TimeSpan.FromSeconds(5), "the install form");
    }

    private static int Percent(IWebDriver browser) =>
        int.TryParse(TextOf(browser, "#update-percent").TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture, out var percent) ? percent : -1;
}
