using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Config;

namespace Appliance.Notify;

/// <summary>
/// What a webhook receives (docs/api.md#webhook). <c>json</c>: the event as an object; a digest is
/// <c>event: "digest"</c> with <c>count</c> (every held event) and the listed <c>events</c> (at most <see cref="RateLimiter.MaxHeld"/>). <c>chat</c>: <c>{"text": "…"}</c>.
/// </summary>
public static class WebhookBody
{
    public static string Json(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var document = delivery.Single is { } n
            ? Document(n)
            : new WebhookEvent("digest", Severities.Name(delivery.Severity), Rfc3339.Format(delivery.Time), delivery.Box, null,
                $"{delivery.Total} events held back by the rate limit" + (delivery.Unlisted is { } more ? $"; {delivery.Collapsed.Count} listed, {MailText.AndMore(more.Count)}" : ""),
                delivery.LastSeq)
            {
                Count = delivery.Total,
                Events = [.. delivery.Collapsed.Select(Document)],
            };
        return JsonSerializer.Serialize(document, WebhookJson.Default.WebhookEvent);
    }

    public static string Chat(Delivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        string text = delivery.Single is { } n
            ? $"{Emphasis(n.Severity)} [{n.Box}] {n.Message} ({n.Event}, {Rfc3339.Format(n.Time)})"
            : $"{Emphasis(delivery.Severity)} [{delivery.Box}] {delivery.Total} events held back by the rate limit:\n"
                + string.Join("\n", delivery.Collapsed.Select(e => $"{Rfc3339.Format(e.Time)} {e.Event}: {e.Message}"))
                + (delivery.Unlisted is { } more ? "\n" + MailText.AndMore(more.Count) : "");
        return JsonSerializer.Serialize(new ChatMessage(text), WebhookJson.Default.ChatMessage);
    }

    public static string For(WebhookFormat format, Delivery delivery) => format == WebhookFormat.Chat ? Chat(delivery) : Json(delivery);

    private static string Emphasis(NotifySeverity severity) => severity switch
    {
        NotifySeverity.Critical => "CRITICAL",
        NotifySeverity.Warning => "WARNING",
        _ => "info",
    };

    private static WebhookEvent Document(Notification n) =>
        new(n.Event, Severities.Name(n.Severity), Rfc3339.Format(n.Time), n.Box, n.Server, n.Message, n.Seq);
}

/// <summary>The <c>json</c> format's object.</summary>
public sealed record WebhookEvent(string Event, string Severity, string Time, string Box, string? Server, string Message, long Seq)
{
    /// <summary>A digest's number of events, listed or not; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Count { get; init; }

    /// <summary>A digest's listed events (the oldest, at most <see cref="RateLimiter.MaxHeld"/>), oldest first; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<WebhookEvent>? Events { get; init; }
}

/// <summary>The <c>chat</c> format: what Slack, Mattermost, Rocket.Chat and Teams workflows take.</summary>
public sealed record ChatMessage(string Text);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(WebhookEvent))]
[JsonSerializable(typeof(ChatMessage))]
public sealed partial class WebhookJson : JsonSerializerContext;
