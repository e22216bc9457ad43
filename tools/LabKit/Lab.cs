namespace Appliance.LabKit;

/// <summary>
/// A lab made by the product's own <c>tools/lab</c>: master, slave (and spare) namespaces with
/// nginx, iperf and a UDP echo responder, a client namespace, the management address on the
/// bridge. Each lab gets its own name and /24, so a test never meets another's leftovers.
/// Measuring instruments on the client: Lab.Instruments.cs; programs started on a host: Lab.Programs.cs.
/// </summary>
public sealed partial class Lab : IDisposable
{
    private static readonly string Tool = Path.Combine(Sh.RepositoryRoot, "tools/lab");
    private static readonly string LabTool = Path.Combine(Sh.RepositoryRoot, "artifacts/labtool/labtool");

    private Lab(LabPlan plan) => Plan = plan;

    /// <summary>Names, ports, addresses and MACs as tools/lab planned them.</summary>
    public LabPlan Plan { get; }

    public string Name => Plan.Name;

    public string Bridge => Plan.Bridge;

    public string Vip => Plan.Vip;

    public string Vmac => Plan.Vmac;

    public string Management => Plan.Management;

    /// <summary>The MAC of the bridge's internal port, which holds the management address.</summary>
    public string ManagementMac => Plan.ManagementMac;

    /// <summary>Where <c>tools/lab config</c> puts the API token file.</summary>
    public string TokenFile => Plan.TokenFile;

    /// <summary>The lab's own folder, which <c>tools/lab down</c> removes with all in it.</summary>
    public string StateFolder => Plan.StateFolder;

    /// <summary>master, slave, spare or client.</summary>
    public LabHost Host(string role) => Plan.Host(role);

    public string AddressOf(string role) => Host(role).Address;

    public string MacOf(string role) => Host(role).Mac;

    /// <inheritdoc cref="LabPlan.AccessLogOf"/>
    public string AccessLogOf(string server) => Plan.AccessLogOf(server);

    /// <param name="name">At most five lower-case letters or digits (tools/lab names everything after it).</param>
    /// <param name="net">The lab's /24 inside 198.18.0.0/15, e.g. 198.19.140.</param>
    public static Lab Up(string name, string net, int servers = 2, bool dsr = false)
    {
        try
        {
            Sh.Check(Tool, "up", "--name", name, "--net", net, "--servers", servers.ToString(System.Globalization.CultureInfo.InvariantCulture), dsr ? "--dsr" : "--no-dsr");
            return new Lab(LabPlan.Read(name));
        }
        catch
        {
            Down(name);
            throw;
        }
    }

    /// <summary>
    /// Writes the firmware's configuration for this lab, in the lab's state folder that <c>down</c>
    /// removes; see <c>tools/lab config</c> for the keys.
    /// </summary>
    public string WriteConfig(params string[] settings)
    {
        var path = Path.Combine(StateFolder, $"appliance-{Guid.NewGuid():n}.yml");
        File.WriteAllText(path, Sh.Check(Tool, ["config", "--name", Name, .. settings]));
        return path;
    }

    public void Fault(string kind, string host) => Sh.Check(Tool, "fault", kind, host, "--name", Name);

    /// <summary>
    /// Stops the server's nginx (master process and workers) for <paramref name="length"/> and lets it go on
    /// (<c>tools/lab fault stall</c>): the web server hangs while the machine, its kernel and its link stay up.
    /// Returns after the web server goes on.
    /// </summary>
    public void Stall(string server, TimeSpan length) =>
        Sh.Check(Tool, "fault", "stall", server, "--name", Name, "--for", $"{(int)length.TotalMilliseconds}ms");

    /// <summary>
    /// Hands the switch to <paramref name="firmware"/>, just started with a config from <see cref="WriteConfig"/>:
    /// returns once the firmware says it has adopted and programmed it (<c>tools/lab attach</c>).
    /// </summary>
    public void Attach(Firmware firmware)
    {
        var result = Sh.Run(Tool, "attach", "--name", Name, "--pid", firmware.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (result.ExitCode != 0) throw new LabException($"{result.Error.TrimEnd()}\n  the firmware's output, last lines:\n{firmware.LogTail(20)}");
    }

    public Sh.Result Exec(string host, params string[] command) => Sh.Run(Tool, ["exec", "--name", Name, host, .. command]);

    /// <summary>The page the client gets from the VIP: it names the server that answered.</summary>
    public string ClientGet(string path = "/") => Exec("client", "curl", "-s", "-m", "1", $"http://{Vip}{path}").Output;

    /// <summary>Which server's page the client gets from the VIP, or null when none answers.</summary>
    public string? ServingServer()
    {
        var page = ClientGet();
        var start = page.IndexOf("<h1>", StringComparison.Ordinal);
        var end = page.IndexOf("</h1>", StringComparison.Ordinal);
        return start < 0 || end < start ? null : page[(start + 4)..end];
    }

    /// <summary>Waits until the VIP is answered by <paramref name="server"/>.</summary>
    public void WaitServing(string server, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last;
        do
        {
            last = ServingServer();
            if (last == server) return;
            Thread.Sleep(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new LabException($"the VIP was answered by {last ?? "nobody"}, not {server}, after {timeout.TotalSeconds} s");
    }

    public void Dispose() => Down(Name);

    private static void Down(string name) => Sh.Try(Tool, "down", "--name", name);
}
