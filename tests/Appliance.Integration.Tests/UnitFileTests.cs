using System.Diagnostics;

namespace Appliance.Integration.Tests;

/// <summary>
/// The box's systemd units (boot/rootfs/usr/lib/systemd/system), read as systemd reads them: a
/// refused configuration must not restart the firmware forever but start the fault mode, which
/// hands back to the firmware only when the file is valid again (issue 12, item 1); and the units
/// must verify and point to documentation the image ships.
/// </summary>
[TestClass]
public sealed class UnitFileTests
{
    private static readonly string Units = Path.Combine(Sh.RepositoryRoot, "boot/rootfs/usr/lib/systemd/system");
    private static readonly string BootScripts = Path.Combine(Sh.RepositoryRoot, "boot/rootfs/usr/lib/appliance/boot");

    [TestMethod]
    public void ARefusedConfigurationStopsTheRestartsAndStartsTheFaultMode()
    {
        var firmware = UnitFile.Read(Path.Combine(Units, "appliance.service"));
        Assert.AreEqual("/usr/bin/appliance run", firmware.Single("Service", "ExecStart"));
        Assert.AreEqual("always", firmware.Single("Service", "Restart"), "any other exit or crash is restarted");
        CollectionAssert.Contains(firmware.Words("Service", "RestartPreventExitStatus"), "2", "exit 2 (refused) is not restarted");
        CollectionAssert.Contains(firmware.Words("Unit", "OnFailure"), "appliance-fault.service");
        CollectionAssert.Contains(firmware.Words("Unit", "Conflicts"), "appliance-fault.service", "starting the firmware ends the fault mode");
        CollectionAssert.Contains(firmware.Words("Unit", "After"), "appliance-fault.service", "and only then starts (ports and GPIO lines released)");

        var fault = UnitFile.Read(Path.Combine(Units, "appliance-fault.service"));
        Assert.AreEqual("/usr/bin/appliance fault", fault.Single("Service", "ExecStart"));
        Assert.AreEqual("notify", fault.Single("Service", "Type"));
        CollectionAssert.Contains(fault.Words("Service", "SuccessExitStatus"), "4", "valid again is no failure");
        Assert.AreEqual("+/usr/lib/appliance/boot/appliance-fault-ended", fault.Single("Service", "ExecStopPost"));
        Assert.AreEqual("on-failure", fault.Single("Service", "Restart"));
        // The same confinement as the firmware, less what it does not need.
        foreach (var key in new[] { "User", "Group", "SupplementaryGroups", "NoNewPrivileges", "ProtectSystem", "StateDirectory", "StateDirectoryMode", "DevicePolicy", "DeviceAllow" })
        {
            CollectionAssert.AreEqual(firmware.Values("Service", key), fault.Values("Service", key), key);
        }
        CollectionAssert.AreEqual(new[] { "CAP_NET_BIND_SERVICE" }, fault.Words("Service", "AmbientCapabilities"));
        CollectionAssert.AreEqual(new[] { "CAP_NET_BIND_SERVICE" }, fault.Words("Service", "CapabilityBoundingSet"));
        Assert.IsEmpty(fault.Values("Unit", "OnFailure"), "no chain of fault units");
    }

    [TestMethod]
    [DataRow("exited", "4", true, DisplayName = "exit 4: the file is valid again")]
    [DataRow("exited", "0", false, DisplayName = "exit 0: stopped (systemctl stop, shutdown, Conflicts=)")]
    [DataRow("killed", "TERM", false, DisplayName = "killed by a signal")]
    [DataRow("exited", "1", false, DisplayName = "failed")]
    [DataRow("", "", false, DisplayName = "run by hand")]
    public void TheFirmwareIsStartedOnlyWhenTheFaultModeEndedForAValidFile(string exitCode, string exitStatus, bool starts)
    {
        var stubs = Directory.CreateTempSubdirectory("fault-ended-");
        try
        {
            var calls = Path.Combine(stubs.FullName, "calls");
            Directory.CreateDirectory(Path.Combine(stubs.FullName, "boot"));
            Stub(Path.Combine(stubs.FullName, "systemctl"), $"echo \"systemctl $*\" >> '{calls}'");
            Stub(Path.Combine(stubs.FullName, "boot", "appliance-console"), $"echo \"console $*\" >> '{calls}'");
            var start = new ProcessStartInfo(Path.Combine(BootScripts, "appliance-fault-ended")) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["PATH"] = stubs.FullName + ":/usr/sbin:/usr/bin:/sbin:/bin";
            start.Environment["APPLIANCE_LIB"] = stubs.FullName;
            start.Environment["EXIT_CODE"] = exitCode;
            start.Environment["EXIT_STATUS"] = exitStatus;
            start.Environment["SERVICE_RESULT"] = exitStatus is "4" or "0" ? "success" : "exit-code";
            using var process = Process.Start(start)!;
            process.WaitForExit();
            Assert.AreEqual(0, process.ExitCode, process.StandardError.ReadToEnd());
            var made = File.Exists(calls) ? File.ReadAllLines(calls) : [];
            if (starts)
            {
                CollectionAssert.Contains(made, "systemctl start --no-block --job-mode=fail appliance.service", string.Join('\n', made));
            }
            else
            {
                Assert.IsEmpty(made, string.Join('\n', made));
            }
        }
        finally
        {
            stubs.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void EveryDocumentationLinkIsAFileTheImageShips()
    {
        // image.yml copies docs/ there; the image build deletes /usr/share/doc.
        StringAssert.Contains(File.ReadAllText(Path.Combine(Sh.RepositoryRoot, "image.yml")),
            "    source: docs\n    destination: /usr/share/appliance/doc\n");
        foreach (var path in Directory.GetFiles(Units, "*.service"))
        {
            foreach (var link in UnitFile.Read(path).Words("Unit", "Documentation"))
            {
                const string Shipped = "file:/usr/share/appliance/doc/";
                Assert.IsTrue(link.StartsWith(Shipped, StringComparison.Ordinal), $"{Path.GetFileName(path)}: {link} is not on the box");
                Assert.IsTrue(File.Exists(Path.Combine(Sh.RepositoryRoot, "docs", link[Shipped.Length..])), $"{Path.GetFileName(path)}: {link}");
            }
        }
    }

    [TestMethod]
    public void SystemdAnalyzeVerifiesEveryUnit()
    {
        if (Sh.Run("sh", "-c", "command -v systemd-analyze").ExitCode != 0) Assert.Inconclusive("systemd-analyze is not installed");
        // A root with this machine's units (the targets and Open vSwitch the units name) and ours,
        // and every program our units run as an executable stand-in.
        var root = Directory.CreateTempSubdirectory("units-");
        try
        {
            var system = Path.Combine(root.FullName, "usr/lib/systemd/system");
            Sh.Check("mkdir", "-p", Path.GetDirectoryName(system)!);
            Sh.Check("cp", "-a", "/usr/lib/systemd/system", system);
            var ours = Directory.GetFiles(Units, "*.service");
            foreach (var unit in ours)
            {
                File.Copy(unit, Path.Combine(system, Path.GetFileName(unit)), overwrite: true);
                foreach (var program in UnitFile.Read(unit).Programs())
                {
                    var stub = Path.Combine(root.FullName, program.TrimStart('/'));
                    Directory.CreateDirectory(Path.GetDirectoryName(stub)!);
                    Stub(stub, "exit 0");
                }
            }
            var verify = Sh.Run("systemd-analyze", ["verify", "--man=no", $"--root={root.FullName}", .. ours.Select(Path.GetFileName).OfType<string>()]);
            Assert.AreEqual(0, verify.ExitCode, verify.ToString());
            Assert.AreEqual("", verify.Output + verify.Error, "no warning either (an unknown key is only a warning)");
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static void Stub(string path, string body)
    {
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A unit file as systemd parses it: sections, and every assignment of a key in order.</summary>
    private sealed class UnitFile
    {
        private readonly List<(string Section, string Key, string Value)> _entries = [];

        public static UnitFile Read(string path)
        {
            var unit = new UnitFile();
            var section = "";
            foreach (var raw in File.ReadAllLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] is '#' or ';') continue;
                if (line[0] == '[')
                {
                    section = line.Trim('[', ']');
                    continue;
                }
                var equals = line.IndexOf('=', StringComparison.Ordinal);
                Assert.IsGreaterThan(0, equals, $"{path}: {line}");
                unit._entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
            }
            return unit;
        }

        public string[] Values(string section, string key) => [.. _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value)];

        public string[] Words(string section, string key) => [.. Values(section, key).SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

        public string Single(string section, string key)
        {
            var values = Values(section, key);
            Assert.HasCount(1, values, $"[{section}] {key}");
            return values[0];
        }

        /// <summary>The programs of every Exec*= line, without systemd's prefixes (+, -, !, @, :).</summary>
        public IEnumerable<string> Programs() => _entries
            .Where(e => e.Section == "Service" && e.Key.StartsWith("Exec", StringComparison.Ordinal))
            .Select(e => e.Value.TrimStart('+', '-', '!', '@', ':').Split(' ')[0]);
    }
}
