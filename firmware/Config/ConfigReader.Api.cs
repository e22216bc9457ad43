using System.Net;

namespace Appliance.Config;

/// <summary><c>api:</c> the HTTP API and status page.</summary>
internal sealed partial class ConfigReader
{
    private ApiConfig? ReadApi(Section root, Placed<(IPAddress Address, int Prefix)>? management)
    {
        Section api = root.Child("api");
        IPEndPoint? listen = api.Parsed<IPEndPoint>("listen",
            management is { } m ? new IPEndPoint(m.Value.Address, ConfigDefaults.ApiPort) : null,
            "IP:PORT, e.g. 10.0.0.6:80", (string s, out IPEndPoint? v, out string? e) => Endpoints.TryParseIPEndPoint(s, out v, out e));
        string? tokenFile = api.String("token_file", ConfigDefaults.TokenFile,
            s => s.Length == 0 ? "must not be empty" : s.Contains('\0', StringComparison.Ordinal) ? "must not contain NUL" : null,
            "a file path");
        return listen is null || tokenFile is null ? null : new ApiConfig(listen, tokenFile);
    }
}
