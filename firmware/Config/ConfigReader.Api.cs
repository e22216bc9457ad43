using System.Net;
using System.Net.Sockets;
using Appliance.Config.Yaml;

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
        List<string>? hostnames = ReadHostnames(api);
        return listen is null || tokenFile is null || hostnames is null ? null : new ApiConfig(listen, tokenFile) { Hostnames = hostnames };
    }

    /// <summary><c>api.hostnames</c>: a list of host names or IP addresses; absent or empty is none.</summary>
    private List<string>? ReadHostnames(Section api)
    {
        const string Expected = "a host name such as appliance.office.example, or an IP address";
        string key = api.KeyPath("hostnames");
        switch (api.Node("hostnames"))
        {
            case null or YScalar { IsNull: true }:
                return [];
            case YSequence seq:
                return HostnameList(seq, key, Expected);
            case YNode other:
                Error(other.Pos, key, $"expected a list of host names, e.g. [appliance.office.example], got {other.Describe()}");
                return null;
        }
    }

    /// <summary>Each item a host name or IP address (<see cref="HostnameProblem"/>); null after reporting the ones that are not.</summary>
    private List<string>? HostnameList(YSequence seq, string key, string expected)
    {
        var names = new List<string>();
        bool valid = true;
        for (int i = 0; i < seq.Items.Count; i++)
        {
            YNode item = seq.Items[i];
            string? why = item is YScalar { IsNull: false } s ? HostnameProblem(s.Value) : "";
            if (why is null)
            {
                names.Add(((YScalar)item).Value);
                continue;
            }
            Error(item.Pos, $"{key}[{i}]", why.Length > 0 ? $"{why}, got {item.Describe()}" : $"expected {expected}, got {item.Describe()}");
            valid = false;
        }
        return valid ? names : null;
    }

    /// <summary>
    /// Why <paramref name="name"/> is not a host name (RFC 1123: dot-separated labels of letters, digits and
    /// hyphens, 1 to 63 characters, not starting or ending with a hyphen; 253 in all; one final dot allowed) nor an
    /// IP address; null when it is one.
    /// </summary>
    private static string? HostnameProblem(string name)
    {
        if (IPAddress.TryParse(name, out IPAddress? address)
            && (address.AddressFamily == AddressFamily.InterNetworkV6 || Ipv4.TryParseStrict(name, out _)))
        {
            return null;
        }
        string bare = name.EndsWith('.') ? name[..^1] : name;
        if (bare.Length is 0 or > 253)
        {
            return "a host name has 1 to 253 characters";
        }
        foreach (string label in bare.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return "a host name is labels of 1 to 63 letters, digits and hyphens (not first or last), separated by dots";
            }
        }
        return null;
    }
}
