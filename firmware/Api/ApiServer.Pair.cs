using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Appliance.Api;

/// <summary>The pair's routes (docs/api.md#pair-settings).</summary>
public sealed partial class ApiServer
{
    /// <summary>
    /// <c>POST /api/pair/copy-settings</c>: this box's settings to the peer, the peer's per-box keys kept. Token needed, as
    /// for the configuration it writes; no body is read, so a form another site's page posts carries nothing either.
    /// </summary>
    private static void MapPair(WebApplication app, IConfigControl config, ApiToken token)
    {
        app.MapPost("/api/pair/copy-settings", async (HttpRequest request) =>
        {
            if (!token.Accepts(request.Headers.Authorization)) return Unauthorized(token);
            using var peer = config.Running.Pair is { PeerApi: { } api, PeerTokenFile: { } tokenFile } ? new PeerApi(api, tokenFile) : null;
            var (status, document) = await PairSync.CopyAsync(config, peer, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return Results.Json(document, PeerJson.Default.PairCopyDocument, statusCode: status);
        });
    }
}
