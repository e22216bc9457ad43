using Appliance.Api;
using Appliance.Policy;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    private void Publish()
    {
        Status = BuildStatus();
        StatusChanged?.Invoke(Status);
    }

    private ApplianceStatus BuildStatus()
    {
        var state = _policy.State;
        var now = Now;
        var servers = _config.Servers.Select(s =>
        {
            var status = state.Find(s.Name)!;
            var mac = _macs.TryGetValue(s.Name, out var m) ? m.ToString() : "unknown";
            return new ServerView(s.Name, s.Address.ToString(), s.Port, mac, status.Link, status.Health, state.RoleOf(status, now), status.LastDetail, status.HardDown);
        }).ToArray();
        var session = _session;
        return new ApplianceStatus(
            state.Active,
            _config.Failback.ToString().ToLowerInvariant(),
            session is { IsClosed: false },
            session?.DatapathIdText,
            servers,
            state.Failovers,
            PanelView.From(state, now),
            [.. state.Desired.Buckets])
        {
            SwitchProgrammed = session is { IsClosed: false } && _confirmed,
            Pair = state.Pair,
        };
    }
}
