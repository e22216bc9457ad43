namespace Appliance.Notify;

/// <summary><c>appliance_notifications_total{channel,outcome}</c>: every series of each channel from the start, at 0.</summary>
public sealed class NotifyCounts
{
    public const string Sent = "sent";
    public const string Failed = "failed";
    public const string Dropped = "dropped";
    public const string Collapsed = "collapsed";

    private static readonly string[] Outcomes = [Sent, Failed, Dropped, Collapsed];

    private readonly Lock _lock = new();
    private readonly List<(string Channel, string Outcome)> _order = [];
    private readonly Dictionary<(string Channel, string Outcome), long> _counts = [];

    public void AddChannel(string channel)
    {
        lock (_lock)
        {
            foreach (var outcome in Outcomes)
            {
                if (_counts.TryAdd((channel, outcome), 0)) _order.Add((channel, outcome));
            }
        }
    }

    public void Add(string channel, string outcome, long count = 1)
    {
        lock (_lock)
        {
            if (!_counts.ContainsKey((channel, outcome))) _order.Add((channel, outcome));
            _counts[(channel, outcome)] = _counts.GetValueOrDefault((channel, outcome)) + count;
        }
    }

    public long Of(string channel, string outcome)
    {
        lock (_lock) return _counts.GetValueOrDefault((channel, outcome));
    }

    public IReadOnlyList<(string Channel, string Outcome, long Count)> Snapshot()
    {
        lock (_lock) return [.. _order.Select(k => (k.Channel, k.Outcome, _counts[k]))];
    }
}
