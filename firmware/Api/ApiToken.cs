using System.Security.Cryptography;
using System.Text;
using Appliance.Config;

namespace Appliance.Api;

/// <summary>
/// The bearer token POSTs must carry (<c>api.token_file</c>, docs/api.md#access). First boot writes one; when the
/// file is missing or empty the firmware makes one, private to its owner from the first byte, so the API is never
/// left open. A token that cannot be used (unreadable, too short) refuses every POST and says why.
/// </summary>
public sealed class ApiToken
{
    /// <summary>
    /// Shortest token accepted. Anyone on the office LAN can try tokens as fast as the API answers: 8 hex
    /// characters are 2^32 tries, a day at 50,000 a second; 16 are 2^64.
    /// </summary>
    public const int MinLength = 16;

    /// <summary>Largest token file read: a token is one line, and the path may point anywhere (even /dev/zero).</summary>
    public const int MaxFileBytes = 4096;

    private readonly byte[] _token;

    private ApiToken(string token, string? refusal)
    {
        _token = Encoding.ASCII.GetBytes(token);
        Refusal = refusal;
    }

    /// <summary>Why every POST is refused (for the log and the 401 answer); null when the token is usable.</summary>
    public string? Refusal { get; }

    /// <summary>The token in <paramref name="path"/>; a missing or empty file is replaced by a new random token.</summary>
    public static ApiToken LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (Read(path, out string? problem, out bool absent) is { } token)
        {
            return new ApiToken(token, null);
        }
        if (!absent)
        {
            return Unusable($"the API token in {path} cannot be used: {problem}");
        }
        string made = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            // Created 0600, never chmod-ed afterwards: there is no moment when others could read it.
            AtomicFile.Write(path, Encoding.ASCII.GetBytes(made + "\n"), AtomicFile.Private);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Unusable($"the API token file {path} can be neither read ({problem}) nor made ({e.Message})");
        }
        created = true;
        return new ApiToken(made, null);
    }

    /// <summary>Reads the token as a client does (<c>appliance failback</c>); null with <paramref name="problem"/> when it cannot be used.</summary>
    public static string? Read(string path, out string? problem) => Read(path, out problem, out _);

    /// <param name="absent">The file is missing or empty: the firmware may make one.</param>
    private static string? Read(string path, out string? problem, out bool absent)
    {
        absent = false;
        byte[]? bytes;
        try
        {
            bytes = Directory.Exists(path) ? throw new IOException("it is a directory") : SmallFile.TryReadAll(path, MaxFileBytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            absent = true;
            problem = "no such file";
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            problem = "permission denied (run as root, or as a member of the file's group)";
            return null;
        }
        catch (IOException e)
        {
            problem = e.Message;
            return null;
        }
        string token = bytes is null ? "" : Encoding.UTF8.GetString(bytes).Trim();
        problem = bytes is null ? $"the file is larger than {MaxFileBytes} bytes, so it holds no token"
            : token.Length == 0 ? "the file is empty"
            : !token.All(c => c is > ' ' and < '\x7f') ? "it holds spaces or characters other than printable ASCII"
            : token.Length < MinLength ? $"it has {token.Length} characters; at least {MinLength} are needed, as a shorter token can be guessed"
            : null;
        absent = bytes is not null && token.Length == 0;
        return problem is null ? token : null;
    }

    /// <summary>A token nobody knows: every POST is refused, for <paramref name="reason"/> (<see cref="Refusal"/>).</summary>
    public static ApiToken Unusable(string reason) => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), reason);

    /// <summary>
    /// Checks an <c>Authorization</c> header in constant time. The scheme is case-insensitive and may be followed
    /// by any run of spaces or tabs (RFC 7235); the credentials are the rest, surrounding whitespace ignored.
    /// </summary>
    public bool Accepts(string? authorization)
    {
        if (Refusal is not null || authorization is null)
        {
            return false;
        }
        ReadOnlySpan<char> header = authorization.AsSpan().Trim(" \t");
        int gap = header.IndexOfAny(' ', '\t');
        if (gap < 0 || !header[..gap].Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        byte[] offered = Encoding.UTF8.GetBytes(header[gap..].Trim(" \t").ToString());
        return CryptographicOperations.FixedTimeEquals(offered, _token);
    }
}
