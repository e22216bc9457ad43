namespace Appliance.Integration.Tests;

[TestClass]
public static class Host
{
    /// <summary>Prefix of everything these tests create, so that leftovers of a crashed run can be found.</summary>
    public const string Prefix = "it";

    [AssemblyInitialize]
    public static void Prepare(TestContext context)
    {
        Sh.Check(Path.Combine(Sh.RepositoryRoot, "tools/setup-host"));
        RemoveLeftovers();
    }

    [AssemblyCleanup]
    public static void Finish() => RemoveLeftovers();

    /// <summary>
    /// Removes bridges, namespaces and links a killed earlier run left behind. While another run of these tests
    /// is alive on the machine (a developer's beside CI's), what looks left over may be its: nothing is removed.
    /// </summary>
    public static void RemoveLeftovers()
    {
        if (OtherRunAlive() is { } other)
        {
            Console.Error.WriteLine($"integration tests: another run (pid {other}) is alive; its labs are left alone");
            return;
        }
        // Labs of a killed earlier run: tools/lab knows what it made.
        foreach (var dir in Directory.Exists("/run/appliance-lab") ? Directory.GetDirectories("/run/appliance-lab", Prefix + "*") : [])
        {
            Sh.Try(Path.Combine(Sh.RepositoryRoot, "tools/lab"), "down", "--name", Path.GetFileName(dir));
        }
        foreach (var bridge in Sh.Run("ovs-vsctl", "list-br").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (IsOurs(bridge)) Sh.Try("ovs-vsctl", "--if-exists", "del-br", bridge);
        }
        foreach (var line in Sh.Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var ns = line.Split(' ')[0];
            if (IsOurs(ns)) Sh.Try("ip", "netns", "del", ns);
        }
        foreach (var line in Sh.Run("ip", "-o", "link", "show").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(':', 3)[1].Trim().Split('@')[0];
            if (IsOurs(name)) Sh.Try("ip", "link", "del", name);
        }
    }

    /// <summary>The pid of another process running this test assembly, if any.</summary>
    private static int? OtherRunAlive()
    {
        var assembly = typeof(Host).Assembly.GetName().Name!;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                // The test host runs as the assembly's apphost, or as `dotnet [exec] …/NAME.dll`.
                var arguments = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (arguments.Take(3).Any(a => Path.GetFileName(a) is var file && (file == assembly || file == assembly + ".dll"))) return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
        return null;
    }

    private static bool IsOurs(string name) => name.StartsWith(Prefix + "-", StringComparison.Ordinal);

    /// <summary>A fresh name for something a test makes: <c>it-</c> and four hex digits.</summary>
    public static string NewName() => $"{Prefix}-{Random.Shared.Next(0x10000):x4}";

    /// <summary>A lab of its own for one test: "it" and three hex digits, in a random /24 of 198.19.100-249.</summary>
    public static Lab NewLab(int servers = 2, bool dsr = false) =>
        Lab.Up($"{Prefix}{Random.Shared.Next(0x1000):x3}", $"198.19.{Random.Shared.Next(100, 250)}", servers, dsr);
}
