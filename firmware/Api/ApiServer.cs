using System.Net;
using System.Text.Json;
using Appliance.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Appliance.Api;

/// <summary>
/// The HTTP API and status page (docs/api.md) on the management address. GETs are open there (the
/// status page must work from any browser in the office); POSTs need the bearer token.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app) => _app = app;

    /// <param name="hosts">The Host headers answered; any other gets 421 (DNS rebinding, docs/api.md#access).</param>
    /// <param name="loggers">The firmware's own: the host logs through it, in the firmware's format and at its levels.</param>
    /// <param name="sessionsRefused">The OpenFlow channel's refusals by reason, for <c>/metrics</c>.</param>
    /// <param name="config">Reading and applying the configuration (<c>/api/config</c>); null: those routes are absent.</param>
    /// <param name="notifications">E-mail, webhook and syslog (<c>notify:</c>): their test and counts; null when the firmware has none.</param>
    public static ApiServer Create(IPEndPoint listen, IApplianceControl control, ApiToken token, HostFilter hosts, ILoggerFactory loggers,
        Func<IReadOnlyList<(string Reason, long Count)>>? sessionsRefused = null, IConfigControl? config = null, INotifications? notifications = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(listen);
            kestrel.AddServerHeader = false;
        });
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default));
        var app = builder.Build();

        // Before any endpoint, so that a rebound name reads nothing and presses nothing.
        app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            if (hosts.Accepts(context.Request.Headers.Host))
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            await context.Response.WriteAsJsonAsync(new RequestDocument(false, hosts.Refusal), ApiJson.Default.RequestDocument).ConfigureAwait(false);
        });

        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/status", () => Results.Json(StatusDocument.From(control.Status, control.Events.Snapshot(), control.Guards, control.Connections), ApiJson.Default.StatusDocument));
        app.MapGet("/api/events", (HttpRequest request) =>
        {
            var (after, limit, error) = EventsQuery.Read(request.Query["after"], request.Query["limit"]);
            if (error is not null) return Results.Json(new RequestDocument(false, error), ApiJson.Default.RequestDocument, statusCode: StatusCodes.Status400BadRequest);
            return Results.Json(EventsDocument.From(control.Events.Page(after, limit)), ApiJson.Default.EventsDocument);
        });
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Render(control.Status, control.Probes, control.Guards, control.Connections, sessionsRefused?.Invoke(), notifications?.Counts()), PrometheusText.ContentType));
        app.MapPost("/api/failback", async (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
            var outcome = await control.FailbackAsync("api").ConfigureAwait(false);
            return Results.Json(new RequestDocument(outcome.Accepted, outcome.Message), ApiJson.Default.RequestDocument,
                statusCode: outcome.Accepted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
        });
        app.MapPost("/api/press", async (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
            var kind = request.Query["kind"].ToString() switch
            {
                "" or "short" => PressKind.Short,
                "long" => PressKind.Long,
                _ => (PressKind?)null,
            };
            if (kind is null) return Results.Json(new RequestDocument(false, "kind must be short or long"), ApiJson.Default.RequestDocument, statusCode: StatusCodes.Status400BadRequest);
            // As the physical button: the press always happens (200); whether it achieved anything is in the body.
            var outcome = await control.PressAsync(kind.Value, "api press").ConfigureAwait(false);
            return Results.Json(new RequestDocument(outcome.Accepted, outcome.Message), ApiJson.Default.RequestDocument);
        });
        app.MapPost("/api/notify/test", async (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
            if (notifications is not { Configured: true })
            {
                return Results.Json(new NotifyTestDocument(false, "no notification channel is configured (notify.email, notify.webhook or notify.syslog in the configuration)", []),
                    ApiJson.Default.NotifyTestDocument, statusCode: StatusCodes.Status409Conflict);
            }
            var result = await notifications.TestAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.Json(result, ApiJson.Default.NotifyTestDocument);
        });
        if (config is not null) MapConfig(app, config, token);
        return new ApiServer(app);
    }

    /// <summary>
    /// The configuration routes: every one needs the token, GET too (the file names addresses and paths the office
    /// need not read). The token comes only in the Authorization header, never from a cookie, and bodies must be
    /// JSON: a form another site's page posts cannot carry either (docs/api.md#configuration).
    /// </summary>
    private static void MapConfig(WebApplication app, IConfigControl config, ApiToken token)
    {
        app.MapGet("/api/config", (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
            var (status, document, problem) = ConfigEndpoints.Get(config);
            return document is not null
                ? Results.Json(document, ApiJson.Default.ConfigDocument, statusCode: status)
                : Results.Json(new RequestDocument(false, problem ?? ""), ApiJson.Default.RequestDocument, statusCode: status);
        });
        app.MapPost("/api/config/check", async (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
            var (change, status, problem) = await ReadChangeAsync(request).ConfigureAwait(false);
            if (change is null) return Results.Json(new RequestDocument(false, problem ?? ""), ApiJson.Default.RequestDocument, statusCode: status);
            var (checkStatus, document) = ConfigEndpoints.Check(config, change);
            return Results.Json(document, ApiJson.Default.ConfigCheckDocument, statusCode: checkStatus);
        });
        app.MapPut("/api/config", async (HttpContext context) =>
        {
            if (!token.Accepts(context.Request.Headers.Authorization)) return Unauthorized(token);
            var (change, status, problem) = await ReadChangeAsync(context.Request).ConfigureAwait(false);
            if (change is null) return Results.Json(new RequestDocument(false, problem ?? ""), ApiJson.Default.RequestDocument, statusCode: status);
            var (putStatus, document, afterAnswer) = await ConfigEndpoints.PutAsync(config, change).ConfigureAwait(false);
            if (afterAnswer is not null)
            {
                // The API moves: the answer is sent from here first, then the firmware switches.
                context.Response.OnCompleted(() =>
                {
                    afterAnswer();
                    return Task.CompletedTask;
                });
            }
            return Results.Json(document, ApiJson.Default.ConfigCheckDocument, statusCode: putStatus);
        });
    }

    private static async Task<(ConfigChangeRequest? Request, int Status, string? Problem)> ReadChangeAsync(HttpRequest request)
    {
        if (request.ContentLength > ConfigEndpoints.MaxBodyBytes) return ConfigEndpoints.ReadBody(request.ContentType, [], complete: false);
        var buffer = new byte[ConfigEndpoints.MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length)).ConfigureAwait(false)) > 0) length += read;
        return ConfigEndpoints.ReadBody(request.ContentType, buffer.AsSpan(0, length), complete: length <= ConfigEndpoints.MaxBodyBytes);
    }

    private static IResult Unauthorized(ApiToken token) => Results.Json(
        new RequestDocument(false, token.Refusal is { } refusal
            ? $"POSTs are refused: {refusal}; fix it and restart the firmware"
            : "a valid token is needed: Authorization: Bearer <token from api.token_file>"),
        ApiJson.Default.RequestDocument, statusCode: StatusCodes.Status401Unauthorized);

    public Task StartAsync(CancellationToken cancellation) => _app.StartAsync(cancellation);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
