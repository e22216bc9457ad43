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
/// The HTTP API and status page (SPEC §5) on the management address. GETs are open there (the
/// status page must work from any browser in the office); POSTs need the bearer token.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app) => _app = app;

    /// <param name="loggers">The firmware's own: the host logs through it, in the firmware's format and at its levels.</param>
    public static ApiServer Create(IPEndPoint listen, IApplianceControl control, ApiToken token, ILoggerFactory loggers)
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

        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/status", () => Results.Json(StatusDocument.From(control.Status, control.Events.Snapshot(), control.Guards), ApiJson.Default.StatusDocument));
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Render(control.Status, control.Probes, control.Guards), PrometheusText.ContentType));
        app.MapPost("/api/failback", async (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized();
            var outcome = await control.FailbackAsync("api").ConfigureAwait(false);
            return Results.Json(new RequestDocument(outcome.Accepted, outcome.Message), ApiJson.Default.RequestDocument,
                statusCode: outcome.Accepted ? StatusCodes.Status200OK : StatusCodes.Status409Conflict);
        });
        app.MapPost("/api/press", async (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized();
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
        return new ApiServer(app);
    }

    private static IResult Unauthorized() => Results.Json(
        new RequestDocument(false, "a valid token is needed: Authorization: Bearer <token from api.token_file>"),
        ApiJson.Default.RequestDocument, statusCode: StatusCodes.Status401Unauthorized);

    public Task StartAsync(CancellationToken cancellation) => _app.StartAsync(cancellation);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
