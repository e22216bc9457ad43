namespace Appliance.Switch;

/// <summary>Why the channel refused a connection, or dropped a session that broke a bound.</summary>
public enum RefusalReason
{
    /// <summary>The peer process is neither root nor Open vSwitch's own user.</summary>
    PeerOwner,

    /// <summary>Too many connections were already in their handshake.</summary>
    Busy,

    /// <summary>The peer did not complete the OpenFlow handshake in time, or spoke no OpenFlow 1.3.</summary>
    Handshake,

    /// <summary>The peer's datapath ID is not the configured bridge's (or could not be confirmed).</summary>
    DatapathId,

    /// <summary>A session of the same datapath is up and still answers echo.</summary>
    SessionAlive,

    /// <summary>A multipart reply grew past its bound.</summary>
    ReplyTooLarge,

    /// <summary>More asynchronous messages than a switch sends.</summary>
    Flood,
}

/// <summary>
/// Counts of refused connections and dropped sessions by reason, for
/// <c>appliance_switch_sessions_refused_total{reason=...}</c> (docs/api.md).
/// </summary>
public sealed class SessionRefusals
{
    private readonly long[] _counts = new long[Enum.GetValues<RefusalReason>().Length];

    public void Count(RefusalReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    public long this[RefusalReason reason] => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>Every reason with its count, zeros included, labelled as the metric labels them.</summary>
    public IReadOnlyList<(string Reason, long Count)> Snapshot() =>
        [.. Enum.GetValues<RefusalReason>().Select(r => (Label(r), this[r]))];

    public static string Label(RefusalReason reason) => reason switch
    {
        RefusalReason.PeerOwner => "peer_owner",
        RefusalReason.Busy => "busy",
        RefusalReason.Handshake => "handshake",
        RefusalReason.DatapathId => "datapath_id",
        RefusalReason.SessionAlive => "session_alive",
        RefusalReason.ReplyTooLarge => "reply_too_large",
        RefusalReason.Flood => "flood",
        _ => reason.ToString(),
    };
}
