using System.Net;
using System.Net.Sockets;

namespace Appliance.LabKit;

/// <summary>
/// /etc/appliance, /run/appliance-boot and /usr/lib/appliance of a box on a lab, in a temporary
/// folder: the repository's boot scripts, the real firmware as /usr/bin/appliance, a console that is
/// a file, and what appliance-bridge left at boot. For the box's DHCP path (tests and benchmarks).
/// </summary>
public sealed class BoxFolder : IDisposable
{
    private static readonly string BootScripts = Path.Combine(Sh.RepositoryRoot, "boot/rootfs/usr/lib/appliance/boot");
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("box-");
    private readonly Lab _lab;

    public BoxFolder(Lab lab)
    {
        _lab = lab;
        Directory.CreateDirectory(Etc);
        Directory.CreateDirectory(Run);
        Directory.CreateDirectory(Path.Combine(Lib, "boot"));
        foreach (var script in new[] { "appliance-bridge", "appliance-dhcp", "udhcpc-event", "appliance-ports", "appliance-time" })
        {
            File.CreateSymbolicLink(Script(script), Path.Combine(BootScripts, script));
        }
        File.CreateSymbolicLink(Path.Combine(Lib, "ovs-config"), Path.Combine(Sh.RepositoryRoot, "ovs-config"));
        Executable(Script("appliance-console"), $"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{ConsoleFile}'\n");
        Executable(Appliance, $"#!/bin/sh\nexec dotnet '{Firmware.Dll}' \"$@\"\n");
        Executable(Systemctl, $"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{SystemctlFile}'\n");

        // Nobody listens on this port: the bridge keeps no controller that could program it.
        File.WriteAllText(YmlTemplate, $$"""
            # the box's appliance.yml, block style as first boot writes it
            bridge:
              name: {{lab.Bridge}}
              datapath: netdev
              # kept up to date by DHCP
              management: {{lab.Management}}/24   # the address in use
            openflow:
              listen: tcp:127.0.0.1:{{FreeTcpPort()}}
            service:
              vip: {{lab.Vip}}
              mode: nat
            servers:
              - { name: master, address: {{lab.AddressOf("master")}}, port: 1 }
              - { name: slave, address: {{lab.AddressOf("slave")}}, port: 2 }
            panel:
              driver: simulated
            api:
              token_file: {{Path.Combine(Folder, "api.token")}}

            """);
        File.Copy(YmlTemplate, Yml);
        File.SetUnixFileMode(Yml, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.WriteAllText(Path.Combine(Etc, "management.conf"), $"MODE=dhcp\nFALLBACK={lab.Vip[..lab.Vip.LastIndexOf('.')]}.7/24\n");
        // What appliance-bridge left at boot: the bridge, its ports and the address it applied.
        File.WriteAllText(Path.Combine(Run, "bridge"), lab.Bridge + "\n");
        File.WriteAllText(Path.Combine(Run, "management"), $"{lab.Management}/24\n");
        File.WriteAllText(Path.Combine(Run, "ports"), $"1 {lab.Name}-p1\n2 {lab.Name}-p2\n4 {lab.Name}-p4\n");
    }

    public string Folder => _root.FullName;

    public string Yml => Path.Combine(Etc, "appliance.yml");

    /// <summary>appliance.yml as it was written, before any script touched it.</summary>
    public string YmlTemplate => Path.Combine(Folder, "appliance.yml.orig");

    /// <summary>What the scripts printed on the box's console.</summary>
    public string Console => File.Exists(ConsoleFile) ? File.ReadAllText(ConsoleFile) : "";

    /// <summary>Where the scripts find the box's folders: run a script with these in its environment.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["APPLIANCE_ETC"] = Etc,
        ["APPLIANCE_RUN"] = Run,
        ["APPLIANCE_LIB"] = Lib,
        ["APPLIANCE_BIN"] = Appliance,
        ["APPLIANCE_TIMESYNCD"] = Timesyncd,
        ["APPLIANCE_SYSTEMCTL"] = Systemctl,
        ["DOTNET_EnableDiagnostics"] = "0",
    };

    private string Etc => Path.Combine(Folder, "etc");

    private string Run => Path.Combine(Folder, "run");

    private string Lib => Path.Combine(Folder, "lib");

    private string Appliance => Path.Combine(Folder, "appliance");

    private string ConsoleFile => Path.Combine(Folder, "console.log");

    private string Timesyncd => Path.Combine(Folder, "timesyncd.conf.d");

    private string Systemctl => Path.Combine(Folder, "systemctl");

    private string SystemctlFile => Path.Combine(Folder, "systemctl.log");

    /// <summary>systemd-timesyncd's drop-in as appliance-time wrote it; empty when it wrote none.</summary>
    public string TimesyncdDropIn => File.Exists(Path.Combine(Timesyncd, "appliance.conf")) ? File.ReadAllText(Path.Combine(Timesyncd, "appliance.conf")) : "";

    /// <summary>The systemctl commands the scripts ran, one per line (none is run for real).</summary>
    public string SystemctlCalls => File.Exists(SystemctlFile) ? File.ReadAllText(SystemctlFile) : "";

    /// <summary>The addresses on the box's bridge (the management address), as ADDRESS/PREFIX, space-separated.</summary>
    public string BridgeAddresses() =>
        string.Join(' ', Sh.Check("ip", "-4", "-o", "addr", "show", "dev", _lab.Bridge).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]));

    /// <summary>A boot script of the box run with the box's folders, e.g. <c>appliance-time</c>.</summary>
    public Sh.Result RunScript(string name, params string[] args) =>
        Sh.Run("env", [.. Environment.Select(e => $"{e.Key}={e.Value}"), Script(name), .. args]);

    /// <summary>A boot script of the box, e.g. <c>appliance-dhcp</c>.</summary>
    public string Script(string name) => Path.Combine(Lib, "boot", name);

    public string[] EtcFiles() => [.. Directory.GetFiles(Etc).Select(Path.GetFileName).OfType<string>()];

    /// <summary>udhcpc-event as udhcpc calls it, for a lease of <paramref name="address"/>/24 (and a router and NTP servers, when given).</summary>
    public Sh.Result RunEvent(string kind, string address, string? router = null, string? ntp = null)
    {
        string[] lease = [$"ip={address}", "mask=24", $"interface={_lab.Bridge}", .. router is null ? Array.Empty<string>() : [$"router={router}"],
            .. ntp is null ? Array.Empty<string>() : [$"ntpsrv={ntp}"]];
        return Sh.Run("env", [.. Environment.Select(e => $"{e.Key}={e.Value}"), .. lease, Script("udhcpc-event"), kind]);
    }

    /// <summary>
    /// Writes a busybox udhcpd configuration that offers exactly <paramref name="address"/> and no
    /// router (the host's default route is never touched), for the office namespace's eth0.
    /// </summary>
    /// <param name="ntp">The NTP servers the lease names (option 42), space-separated; none when null.</param>
    public string UdhcpdConf(string address, int generation, string? ntp = null)
    {
        var conf = Path.Combine(Folder, $"udhcpd-{generation}.conf");
        File.WriteAllText(conf, $$"""
            start {{address}}
            end {{address}}
            interface eth0
            max_leases 1
            lease_file {{Path.Combine(Folder, $"udhcpd-{generation}.leases")}}
            pidfile {{Path.Combine(Folder, $"udhcpd-{generation}.pid")}}
            opt subnet 255.255.255.0
            opt lease 3600
            {{(ntp is null ? "" : $"opt ntpsrv {ntp}")}}

            """);
        return conf;
    }

    public void Dispose() => _root.Delete(recursive: true);

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
}
