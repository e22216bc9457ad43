using System.Globalization;
using System.Net;
using Appliance.Config.Yaml;
using Appliance.Net;

namespace Appliance.Config;

/// <summary><c>pair:</c> this box is one of two that work as one (docs/pair.md); absent for a box on its own.</summary>
internal sealed partial class ConfigReader
{
    private const string PeerApiExample = "the peer box's API as http://IPv4:PORT, e.g. http://198.18.0.7:8080";

    private PairConfig? ReadPair(Section root, Placed<(IPAddress Address, int Prefix)>? management)
    {
        if (root.Node("pair") is null) return PairConfig.None;
        Section pair = root.Child("pair");
        string? fifo = pair.String("notify_fifo", null, AbsolutePathProblem, "the absolute path of keepalived's notify_fifo, e.g. /run/appliance/keepalived.fifo");
        string? track = pair.String("track_file", null, AbsolutePathProblem, "the absolute path of keepalived's vrrp_track_file, e.g. /run/appliance/pair-active");
        TimeSpan? settle = pair.Duration("settle", PairConfig.DefaultSettle);
        Uri? peerApi = pair.Parsed<Uri>("peer_api", null, PeerApiExample, TryParsePeerApi);
        string? peerToken = pair.String("peer_token_file", "", AbsolutePathProblem, "the absolute path of a file holding the peer box's API token");
        if (fifo is null || track is null || settle is null || peerToken is null || (peerApi is null && pair.Node("peer_api") is not null)) return null;
        if (peerApi is not null && management is { } own && Ipv4.ToUInt32(own.Value.Address) == Ipv4.ToUInt32(IPAddress.Parse(peerApi.Host)))
        {
            Error(pair.Node("peer_api")!.Pos, pair.KeyPath("peer_api"), $"{peerApi.Host} is this box's own management address (bridge.management): give the other box's");
            return null;
        }
        // The one without the other cannot compare: the peer's configuration is read with its token.
        if ((peerApi is null) != (peerToken.Length == 0))
        {
            Error(pair.Pos, pair.KeyPath(peerApi is null ? "peer_api" : "peer_token_file"),
                peerApi is null ? "required with pair.peer_token_file" : "required with pair.peer_api (the peer's configuration is read with its token)");
            return null;
        }
        return new PairConfig(fifo, track, settle.Value) { PeerApi = peerApi, PeerTokenFile = peerToken.Length == 0 ? null : peerToken };
    }

    private static string? AbsolutePathProblem(string s) =>
        !s.StartsWith('/') ? "must be an absolute path"
        : s.Contains('\0', StringComparison.Ordinal) ? "must not contain NUL"
        : null;

    /// <summary>
    /// Only <c>http://</c>, a dotted IPv4 host and an explicit port (a trailing <c>/</c> allowed): the box reads its peer
    /// on the management LAN, and a name, a path or credentials in the address would be one more thing to trust.
    /// </summary>
    private static bool TryParsePeerApi(string text, out Uri? url, out string? error)
    {
        url = null;
        error = null;
        const string scheme = "http://";
        string rest = text.EndsWith('/') ? text[..^1] : text;
        int colon = rest.LastIndexOf(':');
        if (text.Length > 64 || !rest.StartsWith(scheme, StringComparison.Ordinal) || colon < scheme.Length)
        {
            error = $"expected {PeerApiExample}, got \"{YScalar.Quote(Printable.Cut(text, 80))}\"";
            return false;
        }
        string host = rest[scheme.Length..colon];
        string portText = rest[(colon + 1)..];
        if (!Ipv4.TryParseStrict(host, out IPAddress? address)
            || portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            error = $"expected {PeerApiExample}, got \"{YScalar.Quote(Printable.Cut(text, 80))}\"";
            return false;
        }
        if (Ipv4.UnusableReason(address) is { } why)
        {
            error = $"the peer's address cannot be used: {why}";
            return false;
        }
        url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{address}:{port}/"));
        return true;
    }
}
