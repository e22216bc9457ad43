using System.Globalization;

namespace Appliance.Switch;

/// <summary>The outcome of checking a connection's datapath ID, with the reason for the log.</summary>
internal readonly record struct DatapathVerdict(bool Accepted, string Detail);

/// <summary>
/// The one datapath this controller drives (<c>openflow.datapath_id</c>): a configured ID, or
/// (<c>auto</c>) the configured bridge's as OVSDB holds it. In <c>auto</c>, OVSDB is asked again
/// whenever a connection presents an ID other than the one we know (OVS may give the bridge its
/// ID after we started, or a new one) and while we have not been able to ask at all. A connection
/// is accepted only when its ID is confirmed: an ID OVSDB cannot confirm is refused, and the
/// switch, which reconnects every second, is accepted as soon as OVSDB answers.
/// </summary>
public sealed class DatapathBinding
{
    private static readonly TimeSpan OvsdbTimeout = TimeSpan.FromSeconds(2);

    private readonly Func<CancellationToken, Task<ulong?>>? _read;
    private readonly Lock _lock = new();
    private ulong? _known;

    private DatapathBinding(ulong? configured, Func<CancellationToken, Task<ulong?>>? read, string description)
    {
        _known = configured;
        _read = read;
        Description = description;
    }

    /// <summary>"datapath 0000020000000001", or "bridge br0's datapath (from OVSDB)", for log lines.</summary>
    public string Description { get; }

    /// <summary>The ID we accept, when known.</summary>
    public ulong? Expected
    {
        get
        {
            lock (_lock) return _known;
        }
    }

    /// <summary>Accepts only <paramref name="datapathId"/>.</summary>
    public static DatapathBinding Fixed(ulong datapathId) => new(datapathId, null, $"datapath {Text(datapathId)}");

    /// <summary>Accepts the datapath OVSDB (at <paramref name="socketPath"/>) names for <paramref name="bridge"/>.</summary>
    public static DatapathBinding FromOvsdb(string bridge, string socketPath = OvsdbClient.DefaultSocket) =>
        new(null, cancellation => OvsdbClient.ReadDatapathIdAsync(socketPath, bridge, OvsdbTimeout, cancellation), $"bridge {bridge}'s datapath (from OVSDB)");

    /// <summary>Asks OVSDB now (at start); null when it answered, else why not. A configured ID needs no asking.</summary>
    public async Task<string?> RefreshAsync(CancellationToken cancellation)
    {
        if (_read is null) return null;
        try
        {
            var id = await _read(cancellation).ConfigureAwait(false);
            lock (_lock) _known = id ?? _known;
            return id is null ? "the bridge has no datapath_id yet" : null;
        }
        catch (OvsdbException e)
        {
            return e.Message;
        }
    }

    internal async Task<DatapathVerdict> CheckAsync(ulong presented, CancellationToken cancellation)
    {
        var known = Expected;
        if (known == presented) return new DatapathVerdict(true, $"datapath {Text(presented)}");
        if (_read is null) return new DatapathVerdict(false, $"datapath {Text(presented)} is not the configured {Text(known!.Value)}");
        ulong? current;
        try
        {
            current = await _read(cancellation).ConfigureAwait(false);
        }
        catch (OvsdbException e)
        {
            return new DatapathVerdict(false, known is { } k
                ? $"datapath {Text(presented)} is not {Description}, {Text(k)}, and OVSDB could not be asked again: {e.Message}"
                : $"cannot confirm datapath {Text(presented)} as {Description}: {e.Message}");
        }
        if (current is null) return new DatapathVerdict(false, $"cannot confirm datapath {Text(presented)}: OVSDB has no datapath_id for the bridge yet");
        lock (_lock) _known = current;
        return current == presented
            ? new DatapathVerdict(true, $"datapath {Text(presented)} (OVSDB confirmed it)")
            : new DatapathVerdict(false, $"datapath {Text(presented)} is not {Description}, {Text(current.Value)}");
    }

    /// <summary>As OVS prints it: 16 hex digits.</summary>
    private static string Text(ulong datapathId) => datapathId.ToString("x16", CultureInfo.InvariantCulture);
}
