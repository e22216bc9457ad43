namespace Appliance.Policy;

/// <summary>Passive health: a server that refuses client connections is down at once, before any probe.</summary>
/// <remarks>
/// The switch reports only a server's own refusals of connections it never answered (a reset to a
/// SYN, ICMP unreachable to a datagram) on the service's ports, so a refusal means the service is
/// not running: the server goes down and its established connections move (hard-down) as when a
/// probe is refused. Probes alone bring it back, after <c>rise</c> good ones.
/// </remarks>
public sealed partial class FailoverPolicy
{
    private readonly Queue<TimeSpan>[] _refusals;

    private void OnRefused(ClientRefused refused)
    {
        var i = IndexOf(refused.Server);
        if (i < 0 || !_health.Passive.Enabled || LinkIsTheProbe || _servers[i].HardDown) return;
        var recent = _refusals[i];
        recent.Enqueue(refused.At);
        while (recent.TryPeek(out var oldest) && refused.At - oldest >= _health.Passive.Within) recent.Dequeue();
        if (recent.Count < _health.Passive.Refusals) return;
        var first = recent.Peek();
        var why = recent.Count == 1
            ? $"refused a client connection ({refused.Describe()})"
            : $"refused {recent.Count} client connections in {(refused.At - first).TotalMilliseconds:0} ms ({refused.Describe()})";
        recent.Clear();
        MarkDown(i, refused.At, why);
        MarkHardDown(i, refused.At, why);
    }
}
