using System.Reflection;

namespace Appliance.Api;

/// <summary>
/// The status page (docs/api.md#the-status-page): one self-contained HTML file, embedded, that polls <c>/api/status</c>,
/// pages back through <c>/api/events</c>, and, unlocked with the API token, edits the configuration through <c>/api/config</c>.
/// </summary>
internal static class StatusPage
{
    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("Appliance.Api.status.html")
            ?? throw new InvalidOperationException("status.html is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
