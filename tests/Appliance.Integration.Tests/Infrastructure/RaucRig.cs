using System.Diagnostics;
using System.Globalization;

namespace Appliance.Integration.Tests;

/// <summary>
/// A real RAUC 1.8 of its own, as the box has one but in a temporary folder: a private system D-Bus (dbus-daemon
/// allowing everything, on a socket in the folder), <c>rauc service</c> on it with the no-op boot loader, slot A
/// booted, two 64 MiB ext4 image files as the slots rootfs.0 and rootfs.1 (RAUC takes a regular file as a raw slot's
/// device), a keyring made with openssl, and bundles made with <c>rauc bundle</c> in the plain format (this machine
/// has no device-mapper for verity bundles; squashfs loop mounts work). <see cref="Command"/> is a <c>rauc</c> for the
/// firmware's APPLIANCE_RAUC that talks to this service with this configuration. Dispose kills both daemons and
/// removes the folder, also after a failure.
/// </summary>
public sealed class RaucRig : IDisposable
{
    public const string Compatible = "appliance-amd64";
    public const long SlotBytes = 64L * 1024 * 1024;

    private readonly List<Process> _daemons = [];

    private RaucRig(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public string Bus => $"unix:path={Path.Combine(Folder, "bus")}";

    /// <summary>The executable the firmware runs as <c>rauc</c>: RAUC with this rig's configuration and bus.</summary>
    public string Command => Path.Combine(Folder, "rauc");

    public string SlotA => Path.Combine(Folder, "slot-a.img");

    public string SlotB => Path.Combine(Folder, "slot-b.img");

    public string Key => Path.Combine(Folder, "key.pem");

    public string Cert => Path.Combine(Folder, "cert.pem");

    public string OtherKey => Path.Combine(Folder, "other-key.pem");

    public string OtherCert => Path.Combine(Folder, "other-cert.pem");

    /// <summary>What rauc service printed: for failure messages.</summary>
    public string ServiceLog => File.Exists(Path.Combine(Folder, "service.log")) ? File.ReadAllText(Path.Combine(Folder, "service.log")) : "";

    public static RaucRig Start()
    {
        var rig = new RaucRig(Directory.CreateTempSubdirectory("it-rauc-").FullName);
        try
        {
            rig.Prepare();
            return rig;
        }
        catch
        {
            rig.Dispose();
            throw;
        }
    }

    private void Prepare()
    {
        File.WriteAllText(Path.Combine(Folder, "dbus.conf"), $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>{Bus}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*" eavesdrop="true"/>
                <allow receive_sender="*"/>
              </policy>
            </busconfig>
            """);
        Daemon("dbus-daemon", ["--nofork", "--nopidfile", $"--config-file={Path.Combine(Folder, "dbus.conf")}"], null);
        WaitFor(() => File.Exists(Path.Combine(Folder, "bus")), "the private D-Bus socket");

        Sh.Check("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Key, "-out", Cert, "-subj", "/CN=appliance test", "-days", "30");
        Sh.Check("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", OtherKey, "-out", OtherCert, "-subj", "/CN=someone else", "-days", "30");
        foreach (var slot in new[] { SlotA, SlotB })
        {
            using (var file = File.Create(slot)) file.SetLength(SlotBytes);
            Sh.Check("mkfs.ext4", "-q", "-F", slot);
        }
        Directory.CreateDirectory(Path.Combine(Folder, "data"));
        Directory.CreateDirectory(Path.Combine(Folder, "mount"));
        var conf = Path.Combine(Folder, "system.conf");
        File.WriteAllText(conf, $"""
            [system]
            compatible={Compatible}
            bootloader=noop
            bundle-formats=plain
            data-directory={Path.Combine(Folder, "data")}

            [keyring]
            path={Cert}

            [slot.rootfs.0]
            device={SlotA}
            type=raw
            bootname=A

            [slot.rootfs.1]
            device={SlotB}
            type=raw
            bootname=B

            """);
        Daemon("rauc", [$"--conf={conf}", $"--mount={Path.Combine(Folder, "mount")}", "service", "--override-boot-slot=A"], Path.Combine(Folder, "service.log"));
        File.WriteAllText(Command, $"""
            #!/bin/sh
            # The rig's RAUC: its configuration (keyring, slots) and its private bus.
            export DBUS_SYSTEM_BUS_ADDRESS='{Bus}'
            exec rauc --conf='{conf}' --mount='{Path.Combine(Folder, "mount")}' "$@"

            """);
        File.SetUnixFileMode(Command, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        WaitFor(() => Sh.Run(Command, "status").ExitCode == 0, "rauc service on the private bus:\n" + ServiceLog);
    }

    /// <summary>
    /// A bundle of <paramref name="imageBytes"/> random bytes for rootfs, signed with this rig's key (or
    /// <paramref name="otherKey"/>), version <paramref name="version"/>; returns its path and the image's bytes.
    /// </summary>
    public (string Bundle, byte[] Image) MakeBundle(string version, int imageBytes, bool otherKey = false, string compatible = Compatible)
    {
        var content = Directory.CreateDirectory(Path.Combine(Folder, $"content-{Guid.NewGuid():n}"));
        var image = new byte[imageBytes];
        Random.Shared.NextBytes(image);
        File.WriteAllBytes(Path.Combine(content.FullName, "rootfs.img"), image);
        File.WriteAllText(Path.Combine(content.FullName, "manifest.raucm"), $"""
            [update]
            compatible={compatible}
            version={version}

            [bundle]
            format=plain

            [image.rootfs]
            filename=rootfs.img

            """);
        var bundle = Path.Combine(Folder, $"bundle-{version}-{Guid.NewGuid():n}.raucb");
        Sh.Check("rauc", "bundle", $"--cert={(otherKey ? OtherCert : Cert)}", $"--key={(otherKey ? OtherKey : Key)}", content.FullName, bundle);
        content.Delete(recursive: true);
        return (bundle, image);
    }

    /// <summary>The first <paramref name="length"/> bytes of a slot's image file.</summary>
    public static byte[] Head(string slot, int length)
    {
        using var file = File.OpenRead(slot);
        var bytes = new byte[length];
        file.ReadExactly(bytes);
        return bytes;
    }

    private void Daemon(string file, string[] args, string? log)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = log is not null,
            RedirectStandardError = log is not null,
            UseShellExecute = false,
        };
        start.Environment["DBUS_SYSTEM_BUS_ADDRESS"] = Bus;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        _daemons.Add(process);
        if (log is null) return;
        var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        var sync = new Lock();
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) =>
        {
            lock (sync) writer.Dispose();
        };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        void Write(string? line)
        {
            if (line is null) return;
            lock (sync)
            {
                try
                {
                    writer.WriteLine(line);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"not ready within 15 s: {what}");
            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        // RAUC first (it is the bus's client), then the bus.
        foreach (var process in Enumerable.Reverse(_daemons))
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
        // A bundle RAUC had mounted when it was killed: its mount point is in the folder.
        var mount = Path.Combine(Folder, "mount");
        if (Directory.Exists(mount))
        {
            foreach (var line in File.ReadAllLines("/proc/self/mounts").Reverse())
            {
                var point = line.Split(' ')[1];
                if (point.StartsWith(mount + "/", StringComparison.Ordinal)) Sh.Try("umount", "-l", point);
            }
        }
        Directory.Delete(Folder, recursive: true);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RAUC rig in {Folder}");
}
