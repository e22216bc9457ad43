using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Appliance.Config;

/// <summary>
/// Where the firmware listens for the switch's OpenFlow connection (<c>openflow.listen</c>):
/// <c>tcp:IP:PORT</c> (IPv6 in brackets: <c>tcp:[::1]:6653</c>) or <c>unix:/absolute/path</c>.
/// <see cref="object.ToString"/> gives back that text.
/// </summary>
public abstract record OpenFlowEndpoint
{
    private protected OpenFlowEndpoint()
    {
    }

    /// <summary>True when only local processes can connect (loopback TCP address or a Unix socket).</summary>
    public abstract bool IsLoopback { get; }

    /// <summary>Parses the <c>tcp:IP:PORT</c> / <c>unix:/path</c> forms.</summary>
    /// <exception cref="FormatException">The text is not a valid endpoint; the message says why.</exception>
    public static OpenFlowEndpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out OpenFlowEndpoint? ep, out string? error) ? ep : throw new FormatException(error);
    }

    /// <summary>Parses the <c>tcp:IP:PORT</c> / <c>unix:/path</c> forms.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out OpenFlowEndpoint? endpoint) =>
        TryParse(text, out endpoint, out _);

    /// <summary>Parses the <c>tcp:IP:PORT</c> / <c>unix:/path</c> forms; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out OpenFlowEndpoint? endpoint,
        [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        error = null;
        if (text is null)
        {
            error = "expected tcp:IP:PORT or unix:/absolute/path";
            return false;
        }
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = text[5..];
            if (UnixEndpoint.PathProblem(path) is { } problem)
            {
                error = problem;
                return false;
            }
            endpoint = new UnixEndpoint(path);
            return true;
        }
        if (text.StartsWith("tcp:", StringComparison.Ordinal))
        {
            if (!Endpoints.TryParseHostPort(text[4..], out IPAddress? address, out int port, out error))
            {
                error = $"expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653): {error}";
                return false;
            }
            endpoint = new TcpEndpoint(address, port);
            return true;
        }
        error = "expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653) or unix:/absolute/path";
        return false;
    }
}

/// <summary>OpenFlow over TCP: the firmware listens on <see cref="Address"/>:<see cref="Port"/>.</summary>
public sealed record TcpEndpoint(IPAddress Address, int Port) : OpenFlowEndpoint
{
    /// <inheritdoc/>
    public override bool IsLoopback => IPAddress.IsLoopback(Address);

    /// <summary>"tcp:127.0.0.1:6653", or "tcp:[::1]:6653" for IPv6.</summary>
    public override string ToString() => Address.AddressFamily == AddressFamily.InterNetworkV6
        ? string.Create(CultureInfo.InvariantCulture, $"tcp:[{Address}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"tcp:{Address}:{Port}");
}

/// <summary>OpenFlow over a Unix stream socket at <see cref="Path"/>.</summary>
public sealed record UnixEndpoint(string Path) : OpenFlowEndpoint
{
    /// <summary>Longest socket path Linux accepts (sun_path is 108 bytes with the terminating NUL).</summary>
    public const int MaxPathBytes = 107;

    /// <inheritdoc/>
    public override bool IsLoopback => true;

    /// <summary>"unix:/path".</summary>
    public override string ToString() => "unix:" + Path;

    internal static string? PathProblem(string path)
    {
        if (path.Length == 0)
        {
            return "expected unix:/absolute/path, got no path";
        }
        if (path[0] != '/')
        {
            return $"the socket path must be absolute (start with '/'), got \"{path}\"";
        }
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "the socket path must not contain NUL";
        }
        if (path.EndsWith('/'))
        {
            return $"the socket path names a directory: \"{path}\"";
        }
        if (path[1..].Split('/').Any(part => part is "" or "." or ".."))
        {
            // Open vSwitch refuses "/../" outright; "//" and "." would make two spellings of one socket.
            return $"the socket path must not contain \"//\", \".\" or \"..\" components, got \"{path}\"";
        }
        int bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
        {
            return $"the socket path is {bytes} bytes long; Linux allows at most {MaxPathBytes}";
        }
        return null;
    }
}

/// <summary>Parsing of IP:PORT text shared by the endpoint kinds.</summary>
public static class Endpoints
{
    /// <summary>
    /// Parses "IP:PORT" (IPv4 dotted quad, or IPv6 in brackets: "[::1]:80") with a port 1..65535 —
    /// the <c>api.listen</c> form. Round-trips with <see cref="IPEndPoint.ToString"/>.
    /// </summary>
    public static bool TryParseIPEndPoint(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out IPEndPoint? endpoint,
        [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (text is null)
        {
            error = "expected IP:PORT";
            return false;
        }
        if (!TryParseHostPort(text, out IPAddress? address, out int port, out error))
        {
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }

    internal static bool TryParseHostPort(
        string text,
        [NotNullWhen(true)] out IPAddress? address,
        out int port,
        [NotNullWhen(false)] out string? error)
    {
        address = null;
        port = 0;
        string host;
        string portText;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"expected [IPv6]:PORT, got \"{text}\"";
                return false;
            }
            host = text[1..close];
            portText = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out address) || address.AddressFamily != AddressFamily.InterNetworkV6
                || host.Contains('%', StringComparison.Ordinal))
            {
                error = $"\"{host}\" is not an IPv6 address";
                address = null;
                return false;
            }
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                error = $"missing :PORT in \"{text}\"";
                return false;
            }
            host = text[..colon];
            portText = text[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                error = $"an IPv6 address must be written in brackets, e.g. [::1]:{portText}";
                return false;
            }
            if (!Ipv4.TryParseStrict(host, out address))
            {
                error = $"\"{host}\" is not an IP address";
                return false;
            }
        }
        if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit)
            || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535)
        {
            error = $"the port must be an integer from 1 to 65535, got \"{portText}\"";
            address = null;
            port = 0;
            return false;
        }
        error = null;
        return true;
    }
}
