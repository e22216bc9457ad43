namespace Appliance.Policy;

/// <summary>The operator's requests: failback, and moving service away for maintenance.</summary>
public sealed partial class FailoverPolicy
{
    private RequestOutcome OnFailback(FailbackRequested request)
    {
        var now = request.At;
        // A failback ends every server's maintenance, whether or not service moves: otherwise a
        // server drained while the master took over would stay out until the firmware restarts.
        var returned = EndMaintenance(now, request.Source);
        var target = _servers.Where(s => s.IsUsable(now)).OrderBy(s => s.Priority).FirstOrDefault();
        var current = _active is null ? null : Find(_active);
        string? refusal = null;
        if (target is null) refusal = "no server is healthy";
        else if (current is not null && target.Priority >= current.Priority)
        {
            refusal = current.Priority == 0
                ? $"{current.Name} is already serving"
                : $"no higher-priority server than {current.Name} is healthy ({Describe(_servers[0], now)})";
        }
        if (refusal is not null)
        {
            if (returned.Length > 0)
            {
                var serving = current is null ? refusal : $"{current.Name} is serving";
                return new RequestOutcome(true, $"{serving}; {string.Join(", ", returned)} {(returned.Length == 1 ? "is" : "are")} back in service");
            }
            Log(now, EventKind.RequestRefused, null, $"failback refused ({request.Source}): {refusal}");
            return new RequestOutcome(false, refusal);
        }
        var from = _active;
        _active = target!.Name;
        Log(now, EventKind.Failback, target.Name, $"failback to {target.Name}{(from is null ? "" : $" from {from}")} ({request.Source})");
        return new RequestOutcome(true, $"{target.Name} is serving");
    }

    /// <summary>Brings every drained server back into service; returns their names.</summary>
    private string[] EndMaintenance(TimeSpan now, string source)
    {
        var returned = new List<string>();
        for (var i = 0; i < _servers.Length; i++)
        {
            if (!_servers[i].Drained) continue;
            _servers[i] = _servers[i] with { Drained = false };
            returned.Add(_servers[i].Name);
            Log(now, EventKind.MaintenanceEnded, _servers[i].Name, $"{_servers[i].Name}: maintenance ended ({source}); back in service");
        }
        return [.. returned];
    }

    private RequestOutcome OnMove(MoveRequested request)
    {
        var now = request.At;
        if (_active is not { } active || Find(active) is not { } current)
        {
            Log(now, EventKind.RequestRefused, null, $"move refused ({request.Source}): no server is serving");
            return new RequestOutcome(false, "no server is serving");
        }
        // The next healthy server below the active one, else above it.
        var next = _servers.Where(s => s.Name != active && s.IsUsable(now))
            .OrderBy(s => s.Priority > current.Priority ? 0 : 1).ThenBy(s => s.Priority).FirstOrDefault();
        if (next is null)
        {
            var reason = $"no other healthy server to take over from {active}";
            Log(now, EventKind.RequestRefused, null, $"move refused ({request.Source}): {reason}");
            return new RequestOutcome(false, reason);
        }
        _servers[current.Priority] = current with { Drained = true };
        _active = next.Name;
        Log(now, EventKind.Moved, next.Name, $"service moved from {active} to {next.Name} for maintenance ({request.Source}); {active} stays out until a failback");
        return new RequestOutcome(true, $"{next.Name} is serving; {active} is drained");
    }
}
