using Appliance.Config;

namespace Appliance.Policy;

/// <summary>The operator's requests: failback, and moving service away for maintenance.</summary>
public sealed partial class FailoverPolicy
{
    // A manual-failback hold read back at start, until the switch connects and it can take effect.
    private string? _restoredHold;

    private OperatorIntent Intent => new(
        [.. _servers.Where(s => s.Drained).Select(s => s.Name)],
        _restoredHold ?? (_failback == FailbackMode.Manual && _active is { } active && Find(active) is { Priority: > 0 } ? active : null));

    private void Restore(IntentRestored restored)
    {
        var now = restored.At;
        if (restored.Problem is { } problem)
        {
            Log(now, EventKind.StateReset, null, $"operator state not restored ({problem}): no server is drained or held");
            return;
        }
        var ignored = new List<string>();
        foreach (var name in restored.Intent.Drained)
        {
            var i = IndexOf(name);
            if (i < 0) ignored.Add($"unknown server {name}");
            else _servers[i] = _servers[i] with { Drained = true };
        }
        if (restored.Intent.ManualHold is { } held)
        {
            if (IndexOf(held) < 0) ignored.Add($"unknown server {held}");
            else if (_failback != FailbackMode.Manual) ignored.Add($"the hold of {held}: failback is auto now");
            else _restoredHold = held;
        }
        Log(now, EventKind.StateRestored, null, $"operator state restored: {Intent}{(ignored.Count == 0 ? "" : $" (ignored: {string.Join("; ", ignored)})")}");
    }

    /// <summary>At the first connection after a restart, the server held for a manual failback serves again if it can.</summary>
    private void ResumeHold(TimeSpan now)
    {
        if (_restoredHold is not { } held) return;
        _restoredHold = null;
        if (_active is not null || Find(held) is not { } server || !server.IsUsable(now)) return;
        _active = held;
        Log(now, EventKind.Serving, held, $"{held} is serving, as before the restart (failback: manual; it serves until a failback request)");
    }

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
