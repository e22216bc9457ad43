using System.Net;
using System.Text.Json;
using Appliance.Api;
using Appliance.Config;

namespace Appliance.Cli;

/// <summary><c>appliance notify test</c>: the running firmware sends a test message on every channel of <c>notify:</c> (<c>POST /api/notify/test</c>).</summary>
internal static class NotifyCommand
{
    /// <summary>Each channel may take 10 s; they are tried side by side.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(ApplianceConfig config, string? argument, bool json, TextWriter output)
    {
        if (argument != "test")
        {
            await Console.Error.WriteLineAsync($"appliance: notify takes test{(argument is null ? "" : $", not {argument}")}").ConfigureAwait(false);
            return Program.Exit.Invalid;
        }
        if (ApiToken.Read(config.Api.TokenFile, out var problem) is not { } token)
        {
            await Console.Error.WriteLineAsync($"appliance: cannot use the API token in {config.Api.TokenFile}: {problem}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        using var http = ClientCommands.Client(config, token);
        http.Timeout = Timeout;
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync("/api/notify/test", content: null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"appliance: the firmware does not answer on {config.Api.Listen}: {e.Message}").ConfigureAwait(false);
            return Program.Exit.Unreachable;
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                await Console.Error.WriteLineAsync($"appliance: refused: the firmware does not take the token in {config.Api.TokenFile}").ConfigureAwait(false);
                return Program.Exit.Unreachable;
            }
            NotifyTestDocument? result;
            try
            {
                result = JsonSerializer.Deserialize(body, ApiJson.Default.NotifyTestDocument);
            }
            catch (JsonException)
            {
                result = null;
            }
            if (json)
            {
                await output.WriteLineAsync(body).ConfigureAwait(false);
            }
            else if (result is not null)
            {
                await output.WriteLineAsync(result.Message).ConfigureAwait(false);
                foreach (var channel in result.Channels) await output.WriteLineAsync($"  {channel.Channel}: {channel.Message}").ConfigureAwait(false);
            }
            else
            {
                await Console.Error.WriteLineAsync($"appliance: unexpected answer ({(int)response.StatusCode}): {body}").ConfigureAwait(false);
                return Program.Exit.Unreachable;
            }
            return result is { Ok: true } ? Program.Exit.Ok : Program.Exit.Refused;
        }
    }
}
