using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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
    private static readonly string BootScripts = Path.Combine(Sh.RepositoryRoot, "boot/rootfs/usr/lib/appliance/boot");
    private static readonly TimeSpan LeaseWait = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ALeaseTheConfigurationRefusesIsNotTakenAndAValidOneIs()
    {
        var defaultRoute = Sh.Check("ip", "-4", "route", "show", "default");
        using var lab = Lab.Up("dh", Net);
        var bridge = $"{lab.Name}-br";
        // Without the firmware the bridge (fail_mode=secure) forwards nothing; its learning rule is all DHCP needs.
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "add-flow", bridge, "cookie=0x1ab,priority=0,actions=NORMAL");
        using var box = new BoxFiles(lab, bridge);
        using var server = DhcpServer.Offering(lab, box.Folder, lab.Vip);
        using var client = box.StartDhcpClient();
        try
        {
            var original = File.ReadAllBytes(box.Yml);
            box.WaitForConsole("refused", LeaseWait, client);
            var refusal = box.Console;
            StringAssert.Contains(refusal, $"{lab.Vip}/24", "the refused lease is named");
            StringAssert.Contains(refusal, "service.vip", "the validator's message is shown");
            CollectionAssert.AreEqual(original, File.ReadAllBytes(box.Yml), "appliance.yml keeps the old address");
            Assert.AreEqual($"{lab.Management}/24", BridgeAddresses(bridge), "the bridge keeps the old address");
            CollectionAssert.AreEquivalent(new[] { "appliance.yml", "management.conf" }, box.EtcFiles(), "no candidate file left behind");

            // udhcpc renews the same lease: it is refused again without another console line.
            var renewal = box.RunEvent("renew", lab.Vip);
            Assert.AreEqual(3, renewal.ExitCode, "refused: " + renewal);
            Assert.AreEqual(refusal, box.Console, "one line per refused lease, not one per renewal");

            server.Offer($"{Net}.50");
            // Release and ask again, as a renewal that the new server refuses would end after the lease.
            Sh.Check("kill", "-USR2", client.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Thread.Sleep(300);
            Sh.Check("kill", "-USR1", client.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            box.WaitForConsole($"-> {Net}.50/24", LeaseWait, client);
            var written = File.ReadAllText(box.Yml);
            Assert.AreEqual(File.ReadAllText(box.YmlTemplate).Replace($"management: {lab.Management}/24", $"management: {Net}.50/24", StringComparison.Ordinal), written,
                "only bridge.management changed, comments kept");
            Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(box.Yml), "the file's mode is kept");
            Assert.AreEqual($"{Net}.50/24", BridgeAddresses(bridge), "the valid lease is on the bridge");
            CollectionAssert.AreEquivalent(new[] { "appliance.yml", "management.conf" }, box.EtcFiles());
        }
        finally
        {
            if (!client.HasExited)
            {
                client.Kill(entireProcessTree: true);
                client.WaitForExit();
            }
            TestContext.WriteLine($"console:\n{box.Console}\nudhcpc:\n{box.ClientLog}\nudhcpd:\n{server.Log}");
            Assert.AreEqual(defaultRoute, Sh.Check("ip", "-4", "route", "show", "default"), "the host's default route is untouched");
        }
    }

    [TestMethod]
    public void ALeaseWhoseRouterIsOutsideItsSubnetIsTakenWholeWithoutTheRoute()
    {
        var defaultRoute = Sh.Check("ip", "-4", "route", "show", "default");
        using var lab = Lab.Up("dh", Net);
        var bridge = $"{lab.Name}-br";
        using var box = new BoxFiles(lab, bridge);
        try
        {
            // A router `ip route` refuses: before the fix the bridge had moved to the new address while
            // the script failed before writing it to appliance.yml.
            var bound = box.RunEvent("bound", $"{Net}.60", router: "198.19.99.1");

            Assert.AreEqual(0, bound.ExitCode, bound.ToString());
            Assert.AreEqual($"{Net}.60/24", BridgeAddresses(bridge), "the lease is on the bridge");
            StringAssert.Contains(File.ReadAllText(box.Yml), $"management: {Net}.60/24", "and in appliance.yml");
            StringAssert.Contains(box.Console, $"router '198.19.99.1' is not an address in {Net}.60/24");
        }
        finally
        {
            TestContext.WriteLine($"console:\n{box.Console}");
            Assert.AreEqual(defaultRoute, Sh.Check("ip", "-4", "route", "show", "default"), "the host's default route is untouched");
        }
    }

    private static string BridgeAddresses(string bridge) =>
        string.Join(' ', Sh.Check("ip", "-4", "-o", "addr", "show", "dev", bridge).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]));

    /// <summary>
    /// /etc/appliance, /run/appliance-boot and /usr/lib/appliance of a box, in a temporary folder: the
    /// repository's scripts, the real firmware as /usr/bin/appliance, and a console that is a file.
    /// </summary>
    private sealed class BoxFiles : IDisposable
    {
        private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("dhcp-box-");
        private readonly string _bridge;
        private readonly System.Text.StringBuilder _clientLog = new();

        public BoxFiles(Lab lab, string bridge)
        {
            _bridge = bridge;
            Directory.CreateDirectory(Etc);
            Directory.CreateDirectory(Run);
            Directory.CreateDirectory(Path.Combine(Lib, "boot"));
            foreach (var script in new[] { "appliance-bridge", "appliance-dhcp", "udhcpc-event", "appliance-ports" })
            {
                File.CreateSymbolicLink(Path.Combine(Lib, "boot", script), Path.Combine(BootScripts, script));
            }
            File.CreateSymbolicLink(Path.Combine(Lib, "ovs-config"), Path.Combine(Sh.RepositoryRoot, "ovs-config"));
            Executable(Path.Combine(Lib, "boot", "appliance-console"), $"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{ConsoleFile}'\n");
            Executable(Appliance, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "appliance.dll")}' \"$@\"\n");

            // Nobody listens on this port: the bridge keeps no controller that could program it.
            var controller = $"tcp:127.0.0.1:{FreeTcpPort()}";
            File.WriteAllText(YmlTemplate, $$"""
                # the box's appliance.yml, block style as first boot writes it
                bridge:
                  name: {{bridge}}
                  datapath: netdev
                  # kept up to date by DHCP
                  management: {{lab.Management}}/24   # the address in use
                openflow:
                  listen: {{controller}}
                service:
                  vip: {{lab.Vip}}
                  mode: nat
                servers:
                  - { name: master, address: {{lab.AddressOf("master")}}, port: 1 }
                  - { name: slave, address: {{lab.AddressOf("slave")}}, port: 2 }
                panel:
                  driver: simulated
                api:
                  token_file: {{Path.Combine(_root.FullName, "api.token")}}

                """);
            File.Copy(YmlTemplate, Yml);
            File.SetUnixFileMode(Yml, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            File.WriteAllText(Path.Combine(Etc, "management.conf"), $"MODE=dhcp\nFALLBACK={Net}.7/24\n");
            // What appliance-bridge left at boot: the bridge, its ports and the address it applied.
            File.WriteAllText(Path.Combine(Run, "bridge"), bridge + "\n");
            File.WriteAllText(Path.Combine(Run, "management"), $"{lab.Management}/24\n");
            File.WriteAllText(Path.Combine(Run, "ports"), $"1 {lab.Name}-p1\n2 {lab.Name}-p2\n4 {lab.Name}-p4\n");
        }

        public string Folder => _root.FullName;

        public string Etc => Path.Combine(Folder, "etc");

        public string Run => Path.Combine(Folder, "run");

        public string Lib => Path.Combine(Folder, "lib");

        public string Yml => Path.Combine(Etc, "appliance.yml");

        public string YmlTemplate => Path.Combine(Folder, "appliance.yml.orig");

        private string Appliance => Path.Combine(Folder, "appliance");

        private string ConsoleFile => Path.Combine(Folder, "console.log");

        public string Console => File.Exists(ConsoleFile) ? File.ReadAllText(ConsoleFile) : "";

        public string ClientLog
        {
            get
            {
                lock (_clientLog) return _clientLog.ToString();
            }
        }

        public string[] EtcFiles() => [.. Directory.GetFiles(Etc).Select(Path.GetFileName).OfType<string>()];

        /// <summary>appliance-dhcp as appliance-dhcp.service runs it: busybox udhcpc in the foreground on the bridge.</summary>
        public Process StartDhcpClient()
        {
            var start = Start(Path.Combine(Lib, "boot", "appliance-dhcp"));
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        /// <summary>udhcpc-event as udhcpc calls it, for a lease of <paramref name="address"/>/24 (and a router, when given).</summary>
        public Sh.Result RunEvent(string kind, string address, string? router = null)
        {
            var start = Start(Path.Combine(Lib, "boot", "udhcpc-event"), kind);
            start.Environment["ip"] = address;
            if (router is not null) start.Environment["router"] = router;
            start.Environment["mask"] = "24";
            start.Environment["interface"] = _bridge;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return new Sh.Result(process.ExitCode, output.Result, error.Result);
        }

        public void WaitForConsole(string text, TimeSpan timeout, Process client)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Console.Contains(text, StringComparison.Ordinal))
            {
                if (client.HasExited) Assert.Fail($"the DHCP client exited ({client.ExitCode}):\n{ClientLog}\nconsole:\n{Console}");
                if (DateTime.UtcNow > deadline) Assert.Fail($"the console did not show '{text}' within {timeout.TotalSeconds} s:\n{Console}\nudhcpc:\n{ClientLog}");
                Thread.Sleep(50);
            }
        }

        private ProcessStartInfo Start(string file, params string[] args)
        {
            var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["APPLIANCE_ETC"] = Etc;
            start.Environment["APPLIANCE_RUN"] = Run;
            start.Environment["APPLIANCE_LIB"] = Lib;
            start.Environment["APPLIANCE_BIN"] = Appliance;
            start.Environment["DOTNET_EnableDiagnostics"] = "0";
            return start;
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_clientLog) _clientLog.AppendLine(line);
        }

        private static void Executable(string path, string text)
        {
            File.WriteAllText(path, text);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        private static int FreeTcpPort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public void Dispose() => _root.Delete(recursive: true);
    }

    /// <summary>busybox udhcpd in the lab's client namespace, offering exactly one address and no router.</summary>
    private sealed class DhcpServer : IDisposable
    {
        private readonly Lab _lab;
        private readonly string _folder;
        private readonly System.Text.StringBuilder _log = new();
        private Process? _process;
        private int _generation;

        private DhcpServer(Lab lab, string folder)
        {
            _lab = lab;
            _folder = folder;
        }

        public string Log
        {
            get
            {
                lock (_log) return _log.ToString();
            }
        }

        public static DhcpServer Offering(Lab lab, string folder, string address)
        {
            var server = new DhcpServer(lab, folder);
            server.Offer(address);
            return server;
        }

        /// <summary>(Re)starts the server with a pool of <paramref name="address"/> alone and no lease given out yet.</summary>
        public void Offer(string address)
        {
            Stop();
            var conf = Path.Combine(_folder, $"udhcpd-{++_generation}.conf");
            File.WriteAllText(conf, $"""
                start {address}
                end {address}
                interface eth0
                max_leases 1
                lease_file {Path.Combine(_folder, $"udhcpd-{_generation}.leases")}
                pidfile {Path.Combine(_folder, $"udhcpd-{_generation}.pid")}
                opt subnet 255.255.255.0
                opt lease 3600

                """);
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
