using System.Text.Json;
using System.Text.RegularExpressions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Labs of the hostile-LAN tests: named "itg" and two hex digits (Host's clean-up takes them like any
/// "it" lab) in 198.19.80-99, so that they meet no lab of Host.NewLab (198.19.100-249); and what
/// those tests ask of the firmware: its status, its metrics, the guard's counters.
/// </summary>
internal static class GuardLab
{
    public static readonly string LabTool = Path.Combine(Sh.RepositoryRoot, "artifacts/labtool/labtool");

    public static Lab Up(int servers = 2, bool dsr = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return Lab.Up($"{Host.Prefix}g{Random.Shared.Next(0x100):x2}", $"198.19.{Random.Shared.Next(80, 100)}", servers, dsr);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("already used", StringComparison.Ordinal))
            {
                // Another lab holds that /24: take another.
            }
        }
    }

    /// <summary>Runs a command in a lab host without waiting for it.</summary>
    public static Task<Sh.Result> ExecAsync(Lab lab, string host, params string[] command) =>
        Sh.RunAsync(Path.Combine(Sh.RepositoryRoot, "tools/lab"), ["exec", "--name", lab.Name, host, .. command]);

    public static JsonElement Status(string config)
    {
        var result = Firmware.Run("status", "--json", "--config", config);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }

    public static string Metrics(Lab lab)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{lab.Management}:8080"), Timeout = TimeSpan.FromSeconds(5) };
        return http.GetStringAsync("/metrics").GetAwaiter().GetResult();
    }

    /// <summary>appliance_guard_dropped_packets_total{guard,owner}, or -1 while there is no such series.</summary>
    public static long Dropped(string metrics, string guard, string owner)
    {
        var match = Regex.Match(metrics, $"^appliance_guard_dropped_packets_total\\{{guard=\"{guard}\",owner=\"{owner}\"\\}} (\\d+)$", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>The events of the status, newest first, as "kind: message".</summary>
    public static string[] Events(JsonElement status) =>
        [.. status.GetProperty("events").EnumerateArray().Select(e => $"{e.GetProperty("kind").GetString()}: {e.GetProperty("message").GetString()}")];
}
