namespace Appliance.Health.Tests;

/// <summary>
/// The lab these tests probe: <c>tools/lab</c> named hp on 198.18.7.0/24, with the debug NORMAL
/// flow so that the bridge forwards without a firmware. Addresses, MACs and names come from the
/// lab's plan (<c>tools/lab plan</c>).
/// </summary>
internal static class HealthLab
{
    public const string Name = "hp";
    public const string Net = "198.18.7";

    private static readonly LabPlan Plan = LabPlan.Read(Name, Net);

    public static readonly string Bridge = Plan.Bridge;
    public static readonly IPAddress Management = IPAddress.Parse(Plan.Management);
    public static readonly ServerTarget Master = new("master", IPAddress.Parse(Plan.Host("master").Address));
    public static readonly ServerTarget Slave = new("slave", IPAddress.Parse(Plan.Host("slave").Address));
    public static readonly MacAddress MasterMac = MacAddress.Parse(Plan.Host("master").Mac);
    public static readonly MacAddress SlaveMac = MacAddress.Parse(Plan.Host("slave").Mac);

    private static string Tool => Path.Combine(Sh.RepositoryRoot, "tools/lab");

    /// <summary>Builds the lab, or repairs it: also clears every fault.</summary>
    public static void Up() => Sh.Check(Tool, "up", "--name", Name, "--net", Net, "--normal");

    public static void Down() => Sh.Try(Tool, "down", "--name", Name);

    /// <summary><c>tools/lab fault KIND HOST</c>: link-down, link-up, kill, restart, freeze, thaw, blackhole, unblackhole.</summary>
    public static void Fault(string kind, string host) => Sh.Check(Tool, "fault", kind, host, "--name", Name);

    /// <summary>The nginx access log of a server (its client address is the second field).</summary>
    public static string[] AccessLog(string host) => File.ReadAllLines(Plan.AccessLogOf(host));
}
