using System.Net;
using System.Text.Json;
using Appliance.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Appliance.Api;

/// <summary>
/// The HTTP API and status page (docs/api.md) on the management address. GETs are open there (the
/// status page must work from any browser in the office); POSTs need the bearer token.
/// </summary>
public sealed partial class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app) => _app = app;

    /// <param name="hosts">The Host headers answered; any other gets 421 (DNS rebinding, docs/api.md#access).</param>
    /// <param name="loggers">The firmware's own: the host logs through it, in the firmware's format and at its levels.</param>
    /// <param name="sessionsRefused">The OpenFlow channel's refusals by reason, for <c>/metrics</c>.</param>
    /// <param name="config">Reading and applying the configuration (<c>/api/config</c>); null: those routes are absent.</param>
    /// <param name="notifications">E-mail, webhook and syslog (<c>notify:</c>): their test and counts; null when the firmware has none.</param>
    /// <param name="update">A/B updates with RAUC (<c>/api/update</c>); null: those routes are absent.</param>
    public static ApiServer Create(IPEndPoint listen, IApplianceControl control, ApiToken token, HostFilter hosts, ILoggerFactory loggers,
        Func<IReadOnlyList<(string Reason, long Count)>>? sessionsRefused = null, IConfigControl? config = null, INotifications? notifications = null,
        UpdateService? update = null)
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
        app.MapPost("/api/pair/takeover", (HttpRequest request) => PairMoveAsync(request, control, token, PairMoveKind.Takeover));
        app.MapPost("/api/pair/handover", (HttpRequest request) => PairMoveAsync(request, control, token, PairMoveKind.Handover));
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
        if (config is not null) MapPair(app, config, token);
        if (update is not null) MapUpdate(app, update, token);
        return new ApiServer(app);
    }

    /// <summary>Takeover and handover between the boxes of a pair (docs/api.md#pair): 404 on a box on its own, 409 with the reason when refused.</summary>
    private static async Task<IResult> PairMoveAsync(HttpRequest request, IApplianceControl control, ApiToken token, PairMoveKind kind)
    {
        if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
        if (control.Status.Pair is null)
        {
            return Results.Json(new RequestDocument(false, "this box is not one of a pair (no pair: in its configuration)"), ApiJson.Default.RequestDocument,
                statusCode: StatusCodes.Status404NotFound);
        }
        var outcome = await control.PairMoveAsync(kind, "api").ConfigureAwait(false);
        return Results.Json(new RequestDocument(outcome.Accepted, outcome.Message), ApiJson.Default.RequestDocument,
            statusCode: outcome.Accepted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
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

    /// <summary>
    /// The update routes (docs/api.md#update): GET is open as /api/status is; the POSTs need the token. A bundle comes
    /// as the body (application/octet-stream, streamed to disk) or as an address (application/json); any other type is
    /// refused, so a form another site's page posts can start nothing.
    /// </summary>
    private static void MapUpdate(WebApplication app, UpdateService update, ApiToken token)
    {
        app.MapGet("/api/update", async (HttpRequest request) =>
            Results.Json(await update.DocumentAsync(request.HttpContext.RequestAborted).ConfigureAwait(false), ApiJson.Default.UpdateDocument));
        app.MapPost("/api/update", async (HttpRequest request) =>
        {
            var context = request.HttpContext;
            if (!token.Accepts(context.Request.Headers.Authorization)) return Unauthorized(token);
            int status;
            string? problem;
            switch (MediaType(context.Request.ContentType))
            {
                case "application/octet-stream":
                    // Kestrel's own limit (30 MB) would cut a bundle: the service counts against the spool's free space.
                    if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
                    (status, problem) = await update.ReceiveAsync(context.Request.Body, context.Request.ContentLength, context.RequestAborted).ConfigureAwait(false);
                    break;
                case "application/json":
                    var (asked, readStatus, readProblem) = await ReadUrlAsync(request).ConfigureAwait(false);
                    (status, problem) = asked is null ? (readStatus, readProblem) : update.Download(asked.Url);
                    break;
                default:
                    (status, problem) = (StatusCodes.Status415UnsupportedMediaType,
                        "the body must be the bundle (Content-Type: application/octet-stream) or its address (application/json: {\"url\": \"https://…\"})");
                    break;
            }
            if (problem is not null) return Results.Json(new RequestDocument(false, problem), ApiJson.Default.RequestDocument, statusCode: status);
            return Results.Json(await update.DocumentAsync(context.RequestAborted).ConfigureAwait(false), ApiJson.Default.UpdateDocument, statusCode: status);
        });
        app.MapPost("/api/update/reboot", (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
            var (status, message) = update.Reboot();
            return Results.Json(new RequestDocument(status == StatusCodes.Status202Accepted, message), ApiJson.Default.RequestDocument, statusCode: status);
        });
    }

    private static string MediaType(string? contentType) => contentType is null ? "" : contentType.Split(';')[0].Trim().ToLowerInvariant();

    /// <summary>The body of a download request: <c>{"url": "…"}</c>, at most 64 KiB.</summary>
    private static async Task<(UpdateUrlRequest? Request, int Status, string? Problem)> ReadUrlAsync(HttpRequest request)
    {
        const int max = 64 * 1024;
        if (request.ContentLength > max) return (null, StatusCodes.Status413PayloadTooLarge, $"the body may be at most {max} bytes");
        var buffer = new byte[max + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length)).ConfigureAwait(false)) > 0) length += read;
        if (length > max) return (null, StatusCodes.Status413PayloadTooLarge, $"the body may be at most {max} bytes");
        try
        {
            return JsonSerializer.Deserialize(buffer.AsSpan(0, length), ApiJson.Default.UpdateUrlRequest) is { } parsed
                ? (parsed, StatusCodes.Status200OK, null)
                : (null, StatusCodes.Status400BadRequest, "the body must be a JSON object: {\"url\": \"https://…\"}");
        }
        catch (JsonException e)
        {
            return (null, StatusCodes.Status400BadRequest, $"the body is not the JSON expected ({{\"url\": \"https://…\"}}): {e.Message}");
        }
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
