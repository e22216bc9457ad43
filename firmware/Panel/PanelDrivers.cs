using System.Device.Gpio.Drivers;

namespace Appliance.Panel;

/// <summary>
/// Where this machine's GPIO shows itself. The defaults are the real places; tests point them at
/// a temporary tree to stand for a board.
/// </summary>
/// <param name="DevDirectory">Holds the character devices <c>gpiochipN</c> that libgpiod opens.</param>
/// <param name="SysfsDirectory">The legacy sysfs GPIO interface, present when the kernel has CONFIG_GPIO_SYSFS.</param>
public sealed record GpioHost(string DevDirectory = "/dev", string SysfsDirectory = "/sys/class/gpio")
{
    public static GpioHost Local { get; } = new();

    public string ChipPath(int chip) => Path.Combine(DevDirectory, FormattableString.Invariant($"gpiochip{chip}"));

    /// <summary>File.Exists is true for a character device: anything there but a directory.</summary>
    public bool HasChip(int chip) => File.Exists(ChipPath(chip));

    public bool HasSysfs => Directory.Exists(SysfsDirectory);

    /// <summary>The chips present ("gpiochip0, gpiochip1"), for error messages.</summary>
    public string ListChips()
    {
        string[] names = Directory.Exists(DevDirectory)
            ? [.. Directory.EnumerateFiles(DevDirectory, "gpiochip*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
            : [];
        return names.Length == 0 ? "none" : string.Join(", ", names);
    }
}

/// <summary>The driver the panel will use, and how to say so in the log.</summary>
public sealed record PanelDriverChoice(GpioDriver Driver, string Description);

/// <summary>
/// Picks the GPIO driver <c>panel.driver</c> asks for (docs/configuration.md, panel). <c>auto</c> prefers libgpiod (the
/// character device, Debian's libgpiod2) and falls back to sysfs on kernels that still have it.
/// Every failure is a <see cref="PanelStartupException"/> naming the key to fix.
/// </summary>
public static class PanelDrivers
{
    private const string InstallHint = "install it with 'apt-get install libgpiod2'";
    private const string NoGpioHint = "this machine has no GPIO: set panel.driver to simulated, or none";

    /// <summary>The driver for <paramref name="config"/>, or null when <c>panel.driver: none</c>.</summary>
    /// <exception cref="PanelStartupException">The chip or the driver is not there.</exception>
    public static PanelDriverChoice? Create(PanelConfig config, GpioHost? host = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        host ??= GpioHost.Local;
        return config.Driver switch
        {
            PanelDriver.None => null,
            PanelDriver.Simulated => new PanelDriverChoice(new SimulatedGpioDriver(), "simulated GPIO (no hardware)"),
            PanelDriver.Libgpiod => Libgpiod(config.Chip, host),
            PanelDriver.Sysfs => Sysfs(config.Chip, host),
            _ => Auto(config.Chip, host),
        };
    }

    private static PanelDriverChoice Auto(int chip, GpioHost host)
    {
        if (host.HasChip(chip))
        {
            var (driver, libraryProblem) = TryLibgpiod(chip, host);
            if (driver is not null) return driver;
            if (host.HasSysfs) return Sysfs(chip, host);
            throw new PanelStartupException("panel.driver",
                $"auto: {host.ChipPath(chip)} exists but libgpiod cannot be loaded ({libraryProblem}) and {host.SysfsDirectory} does not exist; {InstallHint}", null);
        }
        if (host.HasSysfs) return Sysfs(chip, host);
        throw new PanelStartupException("panel.chip",
            $"GPIO chip {chip} not found: {host.ChipPath(chip)} does not exist (chips present: {host.ListChips()}) and neither does {host.SysfsDirectory}; {NoGpioHint}");
    }

    private static PanelDriverChoice Libgpiod(int chip, GpioHost host)
    {
        if (!host.HasChip(chip))
        {
            throw new PanelStartupException("panel.chip",
                $"GPIO chip {chip} not found: {host.ChipPath(chip)} does not exist (chips present: {host.ListChips()})");
        }
        var (driver, libraryProblem) = TryLibgpiod(chip, host);
        return driver ?? throw new PanelStartupException("panel.driver", $"libgpiod cannot be loaded ({libraryProblem}); {InstallHint}");
    }

    /// <summary>The driver, or null and why the library did not load; a chip that will not open is an error.</summary>
    private static (PanelDriverChoice? Driver, string? LibraryProblem) TryLibgpiod(int chip, GpioHost host)
    {
        try
        {
            return (new PanelDriverChoice(new LibGpiodDriver(chip), $"libgpiod on {host.ChipPath(chip)}"), null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
            or TypeInitializationException or PlatformNotSupportedException)
        {
            // System.Device.Gpio reports a missing libgpiod.so.2 as PlatformNotSupportedException, with a long URL.
            return (null, e is PlatformNotSupportedException or DllNotFoundException ? "libgpiod.so.2 not found" : Innermost(e).Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new PanelStartupException("panel.chip", $"cannot open GPIO chip {host.ChipPath(chip)}: {Innermost(e).Message}", e);
        }
    }

    private static PanelDriverChoice Sysfs(int chip, GpioHost host)
    {
        if (!host.HasSysfs)
        {
            throw new PanelStartupException("panel.driver",
                $"sysfs: {host.SysfsDirectory} does not exist (the kernel has no CONFIG_GPIO_SYSFS); use libgpiod");
        }
        if (chip != 0)
        {
            // SysFsDriver numbers lines from the SoC's pin controller only; other chips need the character device.
            throw new PanelStartupException("panel.chip",
                $"GPIO chip {chip}: the sysfs driver only drives the SoC's own GPIO (chip 0); use panel.driver: libgpiod for other chips");
        }
        try
        {
            return new PanelDriverChoice(new SysFsDriver(), $"sysfs ({host.SysfsDirectory})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            throw new PanelStartupException("panel.driver", $"sysfs: {Innermost(e).Message}", e);
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
