using System.Diagnostics;

namespace Appliance.Integration.Tests;

/// <summary>
/// The box's DHCP path for its management address (issue 12, item 1), with its real scripts:
/// busybox udhcpc (boot/…/appliance-dhcp) calls udhcpc-event, which hands the lease to
/// appliance-bridge. A lease the configuration would refuse (here: the VIP) must not reach the
/// bridge or appliance.yml, since a refused file stops the firmware for good; a valid one is
/// applied and written. The DHCP server is busybox udhcpd in the lab's client namespace; the box's
/// side runs in the root namespace on the lab's bridge only, and is offered no router, so the
/// host's default route is never touched.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class DhcpTests
{
    private const string Net = "198.19.150";
    private static readonly TimeSpan LeaseWait = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ALeaseTheConfigurationRefusesIsNotTakenAndAValidOneIs()
    {
        var defaultRoute = Sh.Check("ip", "-4", "route", "show", "default");
        using var lab = Lab.Up("dh", Net);
        // Without the firmware the bridge (fail_mode=secure) forwards nothing; its learning rule is all DHCP needs.
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "add-flow", lab.Bridge, "cookie=0x1ab,priority=0,actions=NORMAL");
        using var box = new BoxFolder(lab);
        using var server = DhcpServer.Offering(lab, box, lab.Vip);
        using var client = new DhcpClient(box);
        try
        {
            var original = File.ReadAllBytes(box.Yml);
            client.WaitForConsole("refused", LeaseWait);
            var refusal = box.Console;
            StringAssert.Contains(refusal, $"{lab.Vip}/24", "the refused lease is named");
            StringAssert.Contains(refusal, "service.vip", "the validator's message is shown");
            CollectionAssert.AreEqual(original, File.ReadAllBytes(box.Yml), "appliance.yml keeps the old address");
            Assert.AreEqual($"{lab.Management}/24", box.BridgeAddresses(), "the bridge keeps the old address");
            CollectionAssert.AreEquivalent(new[] { "appliance.yml", "management.conf" }, box.EtcFiles(), "no candidate file left behind");

            // udhcpc renews the same lease: it is refused again without another console line.
            var renewal = box.RunEvent("renew", lab.Vip);
            Assert.AreEqual(3, renewal.ExitCode, "refused: " + renewal);
            Assert.AreEqual(refusal, box.Console, "one line per refused lease, not one per renewal");

            server.Offer($"{Net}.50", ntp: $"{Net}.9 {Net}.10");
            // Release and ask again, as a renewal that the new server refuses would end after the lease.
            client.Signal("USR2");
            Thread.Sleep(300);
            client.Signal("USR1");
            client.WaitForConsole($"-> {Net}.50/24", LeaseWait);
            var written = File.ReadAllText(box.Yml);
            Assert.AreEqual(File.ReadAllText(box.YmlTemplate).Replace($"management: {lab.Management}/24", $"management: {Net}.50/24", StringComparison.Ordinal), written,
                "only bridge.management changed, comments kept");
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(box.Yml), "the file's mode is kept");
            Assert.AreEqual($"{Net}.50/24", box.BridgeAddresses(), "the valid lease is on the bridge");
            CollectionAssert.AreEquivalent(new[] { "appliance.yml", "management.conf" }, box.EtcFiles());
            // time.ntp: dhcp (the default): the lease's NTP servers reach timesyncd, the pool behind them
            // (appliance-time runs once appliance-bridge has taken the lease).
            var ntpDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            // appliance-time writes the drop-in, then asks systemctl: wait for both (CI once read between the two).
            while ((box.TimesyncdDropIn.Length == 0 || !box.SystemctlCalls.Contains("try-restart systemd-timesyncd.service", StringComparison.Ordinal))
                && DateTime.UtcNow < ntpDeadline)
            {
                Thread.Sleep(50);
            }
            StringAssert.Contains(box.TimesyncdDropIn, $"\nNTP={Net}.9 {Net}.10\nFallbackNTP=0.debian.pool.ntp.org");
            StringAssert.Contains(box.SystemctlCalls, "try-restart systemd-timesyncd.service");
        }
        finally
        {
            client.Stop();
            TestContext.WriteLine($"console:\n{box.Console}\nudhcpc:\n{client.Log}\nudhcpd:\n{server.Log}");
            Assert.AreEqual(defaultRoute, Sh.Check("ip", "-4", "route", "show", "default"), "the host's default route is untouched");
        }
    }

    [TestMethod]
    public void ALeaseWhoseRouterIsOutsideItsSubnetIsTakenWholeWithoutTheRoute()
    {
        var defaultRoute = Sh.Check("ip", "-4", "route", "show", "default");
        using var lab = Lab.Up("dh", Net);
        using var box = new BoxFolder(lab);
        try
        {
            // A router `ip route` refuses: before the fix the bridge had moved to the new address while
            // the script failed before writing it to appliance.yml.
            var bound = box.RunEvent("bound", $"{Net}.60", router: "198.19.99.1");

            Assert.AreEqual(0, bound.ExitCode, bound.ToString());
            Assert.AreEqual($"{Net}.60/24", box.BridgeAddresses(), "the lease is on the bridge");
            StringAssert.Contains(File.ReadAllText(box.Yml), $"management: {Net}.60/24", "and in appliance.yml");
            StringAssert.Contains(box.Console, $"router '198.19.99.1' is not an address in {Net}.60/24");
        }
        finally
        {
            TestContext.WriteLine($"console:\n{box.Console}");
            Assert.AreEqual(defaultRoute, Sh.Check("ip", "-4", "route", "show", "default"), "the host's default route is untouched");
        }
    }

    /// <summary>appliance-dhcp as appliance-dhcp.service runs it: busybox udhcpc in the foreground on the bridge, its output kept.</summary>
    private sealed class DhcpClient : IDisposable
    {
        private readonly BoxFolder _box;
        private readonly System.Text.StringBuilder _log = new();

        public DhcpClient(BoxFolder box)
        {
            _box = box;
            var start = new ProcessStartInfo(box.Script("appliance-dhcp")) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (name, value) in box.Environment) start.Environment[name] = value;
            Process = Process.Start(start)!;
            Process.OutputDataReceived += (_, e) => Append(e.Data);
            Process.ErrorDataReceived += (_, e) => Append(e.Data);
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Log
        {
            get
            {
                lock (_log) return _log.ToString();
            }
        }

        /// <summary>Sends udhcpc a signal (USR1: renew, USR2: release).</summary>
        public void Signal(string name) => Sh.Check("kill", "-" + name, Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public void WaitForConsole(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!_box.Console.Contains(text, StringComparison.Ordinal))
            {
                if (Process.HasExited) Assert.Fail($"the DHCP client exited ({Process.ExitCode}):\n{Log}\nconsole:\n{_box.Console}");
                if (DateTime.UtcNow > deadline) Assert.Fail($"the console did not show '{text}' within {timeout.TotalSeconds} s:\n{_box.Console}\nudhcpc:\n{Log}");
                Thread.Sleep(50);
            }
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_log) _log.AppendLine(line);
        }

        public void Stop()
        {
            if (Process.HasExited) return;
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        public void Dispose()
        {
            Stop();
            Process.Dispose();
        }
    }

    /// <summary>busybox udhcpd in the lab's client namespace, offering exactly one address and no router.</summary>
    private sealed class DhcpServer : IDisposable
    {
        private readonly Lab _lab;
        private readonly BoxFolder _box;
        private readonly System.Text.StringBuilder _log = new();
        private Process? _process;
        private int _generation;

        private DhcpServer(Lab lab, BoxFolder box)
        {
            _lab = lab;
            _box = box;
        }

        public string Log
        {
            get
            {
                lock (_log) return _log.ToString();
            }
        }

        public static DhcpServer Offering(Lab lab, BoxFolder box, string address)
        {
            var server = new DhcpServer(lab, box);
            server.Offer(address);
            return server;
        }

        /// <summary>(Re)starts the server with a pool of <paramref name="address"/> alone and no lease given out yet; the lease names <paramref name="ntp"/> as NTP servers.</summary>
        public void Offer(string address, string? ntp = null)
        {
            Stop();
            var conf = _box.UdhcpdConf(address, ++_generation, ntp);
            var start = new ProcessStartInfo("ip", ["netns", "exec", $"{_lab.Name}-client", "busybox", "udhcpd", "-f", "-a", "200", conf])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_log) _log.AppendLine(line);
        }

        private void Stop()
        {
            if (_process is null) return;
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }
            _process.Dispose();
            _process = null;
        }

        public void Dispose() => Stop();
    }
}
