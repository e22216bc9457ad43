using System.Net.Http.Headers;
using System.Text;
using Appliance.Config;

namespace Appliance.Notify;

/// <summary>A POST of the JSON body to the configured URL; any answer but 2xx is a failure (retried).</summary>
public sealed class WebhookChannel : INotifyChannel
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly WebhookConfig _config;
    private readonly HttpClient _http;

    public WebhookChannel(WebhookConfig config)
    {
        _config = config;
        // A fresh DNS answer now and then: the receiver may move.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = Timeout }) { Timeout = Timeout };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("appliance", Api.BuildInfo.Version));
    }

    public string Name => "webhook";

    // The URL's path may be the secret (chat webhooks): only its host is told.
    public string Describe() => $"webhook POST ({(_config.Format == WebhookFormat.Chat ? "chat" : "json")}) to {_config.Url.Scheme}://{_config.Url.Authority}/…";

    public async Task SendAsync(Delivery delivery, CancellationToken cancel)
    {
        using var content = new StringContent(WebhookBody.For(_config.Format, delivery), Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(_config.Url, content, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
