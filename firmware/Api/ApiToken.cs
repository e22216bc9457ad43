using System.Security.Cryptography;
using System.Text;

namespace Appliance.Api;

/// <summary>
/// The bearer token POSTs must carry (<c>api.token_file</c>). First boot writes one; when the file
/// is missing the firmware makes it, readable by root only, so the API is never left open.
/// </summary>
public sealed class ApiToken
{
    private readonly byte[] _token;

    private ApiToken(string token) => _token = Encoding.UTF8.GetBytes(token);

    public static ApiToken LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.Length > 0) return new ApiToken(existing);
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, token + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        created = true;
        return new ApiToken(token);
    }

    /// <summary>A token nobody knows: every POST is refused.</summary>
    public static ApiToken Unusable() => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));

    /// <summary>Reads the token as a client does (<c>appliance failback</c>); null when there is none.</summary>
    public static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } t ? t : null : null;

    /// <summary>Checks an <c>Authorization</c> header in constant time.</summary>
    public bool Accepts(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.Ordinal)) return false;
        var offered = Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(offered, _token);
    }
}
