using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Appliance.Api;
using Appliance.Config;

namespace Appliance.Cli;

/// <summary>
/// <c>appliance status|failback|press</c>: clients of the running firmware's API, on the address and
/// with the token of the same configuration file.
/// </summary>
internal static class ClientCommands
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> StatusAsync(ApplianceConfig config, bool json, TextWriter output)
    {
        using var http = Client(config, token: null);
        string body;
        try
        {
            body = await http.GetStringAsync("/api/status").ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"appliance: the firmware does not answer on {config.Api.Listen}: {e.Message}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        if (json)
        {
            await output.WriteLineAsync(body).ConfigureAwait(false);
            return Program.Exit.Ok;
        }
        var status = JsonSerializer.Deserialize(body, ApiJson.Default.StatusDocument)!;
        await output.WriteLineAsync(Describe(status)).ConfigureAwait(false);
        return Program.Exit.Ok;
    }

    public static Task<int> FailbackAsync(ApplianceConfig config, TextWriter output) => PostAsync(config, "/api/failback", output);

    public static Task<int> PressAsync(ApplianceConfig config, string? kind, TextWriter output)
    {
        if (kind is not (null or "short" or "long"))
        {
            Console.Error.WriteLine($"appliance: press takes short or long, not {kind}");
            return Task.FromResult(Program.Exit.Invalid);
        }
        return PostAsync(config, $"/api/press?kind={kind ?? "short"}", output);
    }

    private static async Task<int> PostAsync(ApplianceConfig config, string path, TextWriter output)
    {
        if (ApiToken.Read(config.Api.TokenFile, out var problem) is not { } token)
        {
            await Console.Error.WriteLineAsync($"appliance: cannot use the API token in {config.Api.TokenFile}: {problem}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        using var http = Client(config, token);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(path, content: null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"appliance: the firmware does not answer on {config.Api.Listen}: {e.Message}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var answer = TryParse(body);
            var message = answer?.Message ?? body;
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                await Console.Error.WriteLineAsync($"appliance: refused: the firmware does not take the token in {config.Api.TokenFile}: {message}").ConfigureAwait(false);
                return Program.Exit.Unreachable;
            }
            if (answer is { Accepted: true })
            {
                await output.WriteLineAsync(message).ConfigureAwait(false);
                return Program.Exit.Ok;
            }
            await Console.Error.WriteLineAsync($"refused: {message}").ConfigureAwait(false);
            return Program.Exit.Refused;
        }
    }

    private static RequestDocument? TryParse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, ApiJson.Default.RequestDocument);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static HttpClient Client(ApplianceConfig config, string? token)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{config.Api.Listen}"), Timeout = Timeout };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    /// <summary>The status in a few lines for people.</summary>
    internal static string Describe(StatusDocument status)
    {
        var text = new StringBuilder();
        text.AppendLine(status.Active is { } active ? $"serving: {active}" : "serving: no healthy server");
        text.AppendLine($"failback: {status.Failback}, failovers: {status.Failovers}, switch: {(status.Switch.Connected ? $"connected ({status.Switch.DatapathId})" : "disconnected")}");
        text.AppendLine($"panel: master {status.Panel.Master}, slave {status.Panel.Slave}, fault {status.Panel.Fault}");
        text.AppendLine($"firmware: {BuildInfo.Describe(status.Version, status.Commit)}");
        foreach (var server in status.Servers)
        {
            var connections = server.Connections is { } n ? $"{n} conn{(server.Draining ? " draining" : "")}" : "? conn";
            var moved = server.HardDown ? " (connections moved)" : "";
            text.AppendLine($"  {server.Name,-10} {server.State,-8} link {server.Link,-4} health {server.Health,-7} {connections,-16} {server.Address} port {server.Port}  {server.Detail}{moved}");
        }
        foreach (var e in status.Events.Take(5)) text.AppendLine($"  {e.Time.ToLocalTime():HH:mm:ss.fff} {e.Message}");
        return text.ToString().TrimEnd();
    }
}
