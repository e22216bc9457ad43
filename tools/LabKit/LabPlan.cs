using System.Globalization;
using System.Text.Json;

namespace Appliance.LabKit;

/// <summary>
/// A lab's address plan as <c>tools/lab plan --json</c> prints it: the script owns the plan (roles,
/// OpenFlow ports, addresses, MACs, names, folders) and .NET only reads it.
/// </summary>
public sealed record LabPlan(
    string Name,
    string Net,
    int Servers,
    string Bridge,
    string Controller,
    string StateFolder,
    string Management,
    string ManagementMac,
    string Api,
    string TokenFile,
    string Vip,
    string Vmac,
    int ConntrackZone,
    IReadOnlyList<LabHost> Hosts)
{
    private static readonly string Tool = Path.Combine(Sh.RepositoryRoot, "tools/lab");

    /// <summary>The plan of lab <paramref name="name"/>: the running lab's, or the one it would get with these settings.</summary>
    public static LabPlan Read(string name, string? net = null, int? servers = null)
    {
        List<string> args = ["plan", "--json", "--name", name];
        if (net is not null) args.AddRange(["--net", net]);
        if (servers is { } count) args.AddRange(["--servers", count.ToString(CultureInfo.InvariantCulture)]);
        return Parse(Sh.Check(Tool, [.. args]));
    }

    public static LabPlan Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var plan = document.RootElement;
        return new LabPlan(
            Text(plan, "name"),
            Text(plan, "net"),
            plan.GetProperty("servers").GetInt32(),
            Text(plan, "bridge"),
            Text(plan, "controller"),
            Text(plan, "state"),
            Text(plan.GetProperty("management"), "address"),
            Text(plan.GetProperty("management"), "mac"),
            Text(plan, "api"),
            Text(plan, "token_file"),
            Text(plan.GetProperty("vip"), "address"),
            Text(plan.GetProperty("vip"), "mac"),
            plan.GetProperty("conntrack_zone").GetInt32(),
            [.. plan.GetProperty("hosts").EnumerateArray().Select(LabHost.Parse)]);
    }

    /// <summary>master, slave, spare or client.</summary>
    public LabHost Host(string role) =>
        Hosts.FirstOrDefault(h => h.Role == role) ?? throw new ArgumentOutOfRangeException(nameof(role), role, $"lab {Name} has no {role}");

    /// <summary>The server's nginx access log: <c>$msec $remote_addr $remote_port $server_addr "$request" $status $bytes $request_time</c>.</summary>
    public string AccessLogOf(string server) =>
        Host(server).AccessLog ?? throw new ArgumentOutOfRangeException(nameof(server), server, "runs no web server");

    internal static string Text(JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new LabException($"tools/lab plan: {property} is null");
}

/// <summary>
/// One host of the plan: its OpenFlow port, address and MAC, its namespace and the interface there,
/// the root-side veth that is the bridge's port; servers also their nginx access log.
/// </summary>
public sealed record LabHost(string Role, bool IsServer, int Port, string Address, string Mac, string Namespace, string Interface, string Veth, string? AccessLog)
{
    internal static LabHost Parse(JsonElement host) => new(
        LabPlan.Text(host, "role"),
        host.GetProperty("server").GetBoolean(),
        host.GetProperty("port").GetInt32(),
        LabPlan.Text(host, "address"),
        LabPlan.Text(host, "mac"),
        LabPlan.Text(host, "namespace"),
        LabPlan.Text(host, "interface"),
        LabPlan.Text(host, "veth"),
        host.TryGetProperty("access_log", out var log) ? log.GetString() : null);
}
