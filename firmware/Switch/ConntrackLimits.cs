using System.Globalization;
using System.Numerics;

namespace Appliance.Switch;

/// <summary>One zone in the answer of <c>dpctl/ct-get-limits</c>: its limit and the connections it tracks now.</summary>
public readonly record struct ConntrackZoneLimit(ushort Zone, uint Limit, uint Count);

/// <summary>
/// ovs-vswitchd's answer to <c>dpctl/ct-get-limits zone=A,B,…</c>: the datapath's default limit,
/// then per zone asked for its limit and how many connections it tracks, one per line:
/// <code>
/// default limit=0
/// zone=100,limit=65536,count=3
/// </code>
/// Only a zone with a limit of its own has a count that means something: the userspace datapath
/// counts connections only against a limit (a zone without one answers <c>limit=0,count=0</c>
/// whatever it tracks, or with a default limit the default's count, shared by every such zone).
/// So a count is taken only where the limit is not 0, on the kernel's datapath too, whose counts
/// would be right: the same configuration reads the same on the box and in a lab.
/// </summary>
public sealed class ConntrackLimits
{
    public const string Command = "dpctl/ct-get-limits";

    private const string DefaultLine = "default limit=";
    private const string ZoneLine = "zone=Z,limit=L,count=C";

    private ConntrackLimits(uint defaultLimit, IReadOnlyDictionary<ushort, ConntrackZoneLimit> zones)
    {
        DefaultLimit = defaultLimit;
        Zones = zones;
    }

    /// <summary>The datapath's limit for a zone without one of its own; 0: none.</summary>
    public uint DefaultLimit { get; }

    public IReadOnlyDictionary<ushort, ConntrackZoneLimit> Zones { get; }

    /// <summary>The connections <paramref name="zone"/> tracks; null when that is unknown: the answer does not list the zone, or the zone has no limit.</summary>
    public uint? CountOf(ushort zone) => Zones.TryGetValue(zone, out var limit) && limit.Limit != 0 ? limit.Count : null;

    /// <summary>Asks ovs-vswitchd (found through <paramref name="runDirectory"/>) for <paramref name="zones"/>, bounded by <paramref name="timeout"/>.</summary>
    /// <exception cref="UnixctlException">ovs-vswitchd was not reachable, refused, or answered something else.</exception>
    public static async Task<ConntrackLimits> ReadAsync(IReadOnlyList<ushort> zones, TimeSpan timeout, CancellationToken cancellation,
        string runDirectory = UnixctlClient.DefaultRunDirectory)
    {
        var text = await UnixctlClient.CallAsync(UnixctlClient.SocketPath(runDirectory), Command, [ZoneArgument(zones)], timeout, cancellation).ConfigureAwait(false);
        return Parse(text);
    }

    /// <summary><c>zone=A,B,…</c>: the zones to ask for.</summary>
    public static string ZoneArgument(IReadOnlyList<ushort> zones)
    {
        ArgumentOutOfRangeException.ThrowIfZero(zones.Count);
        return "zone=" + string.Join(',', zones.Select(z => z.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Reads the answer; anything but the lines above (empty lines aside) refuses all of it, since a count read from a line we do not understand could be wrong.</summary>
    /// <exception cref="UnixctlException">The text is not such an answer.</exception>
    public static ConntrackLimits Parse(string text)
    {
        uint? defaultLimit = null;
        var zones = new Dictionary<ushort, ConntrackZoneLimit>();
        var number = 0;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            number++;
            var line = text.AsSpan()[range];
            if (line.IsEmpty) continue;
            if (defaultLimit is null)
            {
                if (!line.StartsWith(DefaultLine, StringComparison.Ordinal) || !TryNumber(line[DefaultLine.Length..], out uint limit))
                {
                    throw NotUnderstood($"line {number} is not \"{DefaultLine}N\"");
                }
                defaultLimit = limit;
                continue;
            }
            if (!TryZone(line, out var zone)) throw NotUnderstood($"line {number} is not \"{ZoneLine}\"");
            if (!zones.TryAdd(zone.Zone, zone)) throw NotUnderstood($"zone {zone.Zone} is listed twice");
        }
        if (defaultLimit is null) throw NotUnderstood($"it has no \"{DefaultLine}N\" line");
        return new ConntrackLimits(defaultLimit.Value, zones);
    }

    private static bool TryZone(ReadOnlySpan<char> line, out ConntrackZoneLimit zone)
    {
        zone = default;
        Span<Range> fields = stackalloc Range[4];
        if (line.Split(fields, ',') != 3) return false;
        if (!TryField(line[fields[0]], "zone=", out ushort id) || !TryField(line[fields[1]], "limit=", out uint limit) || !TryField(line[fields[2]], "count=", out uint count))
        {
            return false;
        }
        zone = new ConntrackZoneLimit(id, limit, count);
        return true;
    }

    private static bool TryField<T>(ReadOnlySpan<char> field, string key, out T value)
        where T : struct, IBinaryInteger<T>
    {
        value = default;
        return field.StartsWith(key, StringComparison.Ordinal) && TryNumber(field[key.Length..], out value);
    }

    /// <summary>Decimal digits only (no sign, no space), within <typeparamref name="T"/>.</summary>
    private static bool TryNumber<T>(ReadOnlySpan<char> digits, out T value)
        where T : struct, IBinaryInteger<T> =>
        T.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static UnixctlException NotUnderstood(string why) => new($"ovs-vswitchd's answer to {Command} is not understood: {why}");
}
