using System.Reflection;

namespace Appliance.Api;

/// <summary>
/// The status page (docs/api.md#the-status-page): one self-contained HTML file, embedded, that polls <c>/api/status</c>,
/// pages back through <c>/api/events</c>, shows the system's slots from <c>/api/update</c>, and, unlocked with the API token,
/// edits the configuration through <c>/api/config</c> and installs updates through <c>/api/update</c>.
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
