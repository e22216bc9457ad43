namespace Appliance.Api;

/// <summary>
/// Probe counts and a latency histogram per server, for <c>/metrics</c>. Written from the probe
/// threads, read by the API: plain interlocked counters, no locks.
/// </summary>
public sealed class ProbeMetrics(IReadOnlyList<string> servers)
{
    /// <summary>Histogram bucket bounds in seconds, from sub-millisecond LAN answers to the longest timeout.</summary>
    public static readonly double[] Bounds = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

    private readonly Series[] _series = [.. servers.Select(s => new Series(s))];

    public IReadOnlyList<Series> All => _series;

    /// <summary>The switch reported a refusal of a client connection by <paramref name="server"/> (passive health).</summary>
    public void RecordRefusal(string server, Policy.RefusalKind kind)
    {
        foreach (var series in _series)
        {
            if (series.Server == server)
            {
                series.RecordRefusal(kind);
                return;
            }
        }
    }

    public void Record(string server, bool healthy, TimeSpan latency)
    {
        foreach (var series in _series)
        {
            if (series.Server == server)
            {
                series.Record(healthy, latency);
                return;
            }
        }
    }

    public sealed class Series(string server)
    {
        private readonly long[] _buckets = new long[Bounds.Length];
        private readonly long[] _refusals = new long[Enum.GetValues<Policy.RefusalKind>().Length];
        private long _ok;
        private long _failed;
        private long _sumMicroseconds;

        public string Server { get; } = server;

        public long Ok => Interlocked.Read(ref _ok);

        public long Failed => Interlocked.Read(ref _failed);

        public long Count => Ok + Failed;

        public double SumSeconds => Interlocked.Read(ref _sumMicroseconds) / 1e6;

        /// <summary>Refusals of client connections the switch reported, of that kind.</summary>
        public long Refusals(Policy.RefusalKind kind) => Interlocked.Read(ref _refusals[(int)kind]);

        internal void RecordRefusal(Policy.RefusalKind kind) => Interlocked.Increment(ref _refusals[(int)kind]);

        /// <summary>Cumulative count of probes at or below each bound, as Prometheus buckets are.</summary>
        public long[] Cumulative()
        {
            var counts = new long[_buckets.Length];
            long total = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                total += Interlocked.Read(ref _buckets[i]);
                counts[i] = total;
            }
            return counts;
        }

        internal void Record(bool healthy, TimeSpan latency)
        {
            Interlocked.Increment(ref healthy ? ref _ok : ref _failed);
            Interlocked.Add(ref _sumMicroseconds, (long)latency.TotalMicroseconds);
            var seconds = latency.TotalSeconds;
            for (var i = 0; i < Bounds.Length; i++)
            {
                if (seconds <= Bounds[i])
                {
                    Interlocked.Increment(ref _buckets[i]);
                    return;
                }
            }
        }
    }
}
