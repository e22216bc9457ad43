namespace Appliance.Health;

/// <summary>
/// How one probe went. <paramref name="Detail"/> is short and says what was seen ("HTTP 200",
/// "connection refused", "timeout", "no ARP reply"); it ends up in the event log and the API.
/// <paramref name="Latency"/> runs from the start of the probe to its answer (or to giving up).
/// <paramref name="Mac"/> is the server's MAC when the probe learned it (arp).
/// </summary>
public readonly record struct ProbeOutcome(bool Healthy, string Detail, TimeSpan Latency, MacAddress? Mac = null)
{
    public static ProbeOutcome Success(string detail, TimeSpan latency, MacAddress? mac = null) => new(true, detail, latency, mac);

    public static ProbeOutcome Failure(string detail, TimeSpan latency) => new(false, detail, latency);

    /// <summary>The server said no (refused or reset the connection): its service is not running, it is not just slow.</summary>
    public bool Refused => !Healthy && Detail is ProbeDetails.ConnectionRefused or ProbeDetails.ConnectionReset;
}

/// <summary>The details probes report, in one place so that tests, logs and the policy agree on them.</summary>
public static class ProbeDetails
{
    /// <summary>Nothing came back before the probe's deadline (connect, echo).</summary>
    public const string Timeout = "timeout";

    /// <summary>The TCP handshake completed but the HTTP status line did not arrive in time: a hung server.</summary>
    public const string TimeoutAfterConnect = "timeout (connected, no response)";

    public const string ConnectionRefused = "connection refused";
    public const string ConnectionReset = "connection reset";
    public const string Connected = "connected";
    public const string NoArpReply = "no ARP reply";
    public const string EchoReply = "ICMP echo reply";
}
