using System.Globalization;
using System.Text;

namespace Appliance.Api;

/// <summary><c>GET /metrics</c> in the Prometheus text exposition format (version 0.0.4).</summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly (Policy.RefusalKind Kind, string Label)[] RefusalLabels =
        [(Policy.RefusalKind.TcpReset, "tcp_reset"), (Policy.RefusalKind.PortUnreachable, "port_unreachable"), (Policy.RefusalKind.HostUnreachable, "host_unreachable")];

    /// <param name="sessionsRefused">OpenFlow connections refused and sessions dropped, by reason (docs/configuration.md).</param>
    /// <param name="notifications">Notification messages by channel and outcome (docs/api.md#metrics); null without the notifications.</param>
    public static string Render(ApplianceStatus status, ProbeMetrics probes, GuardMetrics guards, ConnectionCounts connections,
        IReadOnlyList<(string Reason, long Count)>? sessionsRefused = null, IReadOnlyList<(string Channel, string Outcome, long Count)>? notifications = null)
    {
        var text = new StringBuilder();
        // The usual *_build_info idiom: a constant 1 whose labels say what runs, to join against.
        Gauge(text, "appliance_build_info", "The firmware's version and the commit it was built from.");
        text.Append("appliance_build_info{version=\"").Append(BuildInfo.Version).Append("\",commit=\"").Append(BuildInfo.Commit).Append("\"} 1\n");
        Gauge(text, "appliance_configuration_refused", "1 while the firmware refuses its configuration and does not run (the status page says why).");
        text.Append("appliance_configuration_refused ").Append(status.RefusedConfiguration.Count > 0 ? 1 : 0).Append('\n');
        Gauge(text, "appliance_switch_connected", "Whether the OpenFlow channel to the bridge is up.");
        text.Append("appliance_switch_connected ").Append(status.SwitchConnected ? 1 : 0).Append('\n');
        if (status.Pair is { } pair) Pair(text, pair);
        Gauge(text, "appliance_active_server", "1 for the server serving the VIP, 0 for the others.");
        foreach (var server in status.Servers) Line(text, "appliance_active_server", server.Name, server.Name == status.Active ? 1 : 0);
        Gauge(text, "appliance_server_link_up", "Whether the server's switch port is live.");
        foreach (var server in status.Servers) Line(text, "appliance_server_link_up", server.Name, server.Link == Policy.LinkState.Up ? 1 : 0);
        Gauge(text, "appliance_server_healthy", "Whether the server passes its health probes.");
        foreach (var server in status.Servers) Line(text, "appliance_server_healthy", server.Name, server.Health == Policy.HealthState.Up ? 1 : 0);
        Gauge(text, "appliance_server_in_group", "Whether the VIP's fast-failover group may send new connections to the server.");
        foreach (var server in status.Servers) Line(text, "appliance_server_in_group", server.Name, status.Buckets.Contains(server.Name) ? 1 : 0);
        Gauge(text, "appliance_server_hard_down", "1 while the server's established connections are moved to another server (link dead, refused, or silent past health.hard_down).");
        foreach (var server in status.Servers) Line(text, "appliance_server_hard_down", server.Name, server.HardDown ? 1 : 0);
        RenderConnections(text, status, connections);
        text.Append("# HELP appliance_failovers_total Times service moved away from a server that failed.\n# TYPE appliance_failovers_total counter\n");
        text.Append("appliance_failovers_total ").Append(status.Failovers).Append('\n');
        text.Append("# HELP appliance_probes_total Health probes by server and result.\n# TYPE appliance_probes_total counter\n");
        foreach (var series in probes.All)
        {
            text.Append(CultureInfo.InvariantCulture, $"appliance_probes_total{{server=\"{series.Server}\",result=\"ok\"}} {series.Ok}\n");
            text.Append(CultureInfo.InvariantCulture, $"appliance_probes_total{{server=\"{series.Server}\",result=\"failed\"}} {series.Failed}\n");
        }
        text.Append("# HELP appliance_probe_latency_seconds How long health probes took, answered or not.\n# TYPE appliance_probe_latency_seconds histogram\n");
        foreach (var series in probes.All)
        {
            var cumulative = series.Cumulative();
            for (var i = 0; i < ProbeMetrics.Bounds.Length; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"appliance_probe_latency_seconds_bucket{{server=\"{series.Server}\",le=\"{ProbeMetrics.Bounds[i]}\"}} {cumulative[i]}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"appliance_probe_latency_seconds_bucket{{server=\"{series.Server}\",le=\"+Inf\"}} {series.Count}\n");
            text.Append(CultureInfo.InvariantCulture, $"appliance_probe_latency_seconds_sum{{server=\"{series.Server}\"}} {series.SumSeconds}\n");
            text.Append(CultureInfo.InvariantCulture, $"appliance_probe_latency_seconds_count{{server=\"{series.Server}\"}} {series.Count}\n");
        }
        text.Append("# HELP appliance_client_refusals_total Client connections a server refused, as the switch reported them (passive health): TCP resets to new connections, ICMP port or host unreachable.\n# TYPE appliance_client_refusals_total counter\n");
        foreach (var series in probes.All)
        {
            foreach (var (kind, label) in RefusalLabels)
            {
                text.Append(CultureInfo.InvariantCulture, $"appliance_client_refusals_total{{server=\"{series.Server}\",kind=\"{label}\"}} {series.Refusals(kind)}\n");
            }
        }
        if (sessionsRefused is not null)
        {
            text.Append("# HELP appliance_switch_sessions_refused_total OpenFlow connections refused, or sessions dropped, by reason.\n# TYPE appliance_switch_sessions_refused_total counter\n");
            foreach (var (reason, count) in sessionsRefused) text.Append(CultureInfo.InvariantCulture, $"appliance_switch_sessions_refused_total{{reason=\"{reason}\"}} {count}\n");
        }
        RenderGuards(text, guards);
        if (notifications is not null)
        {
            text.Append("# HELP appliance_notifications_total Notification messages by channel (email, webhook, syslog) and outcome: sent, failed (an attempt; retried), dropped (never sent), collapsed (events held back into a digest).\n# TYPE appliance_notifications_total counter\n");
            foreach (var (channel, outcome, count) in notifications)
            {
                text.Append(CultureInfo.InvariantCulture, $"appliance_notifications_total{{channel=\"{channel}\",outcome=\"{outcome}\"}} {count}\n");
            }
        }
        return text.ToString();
    }

    /// <summary>A server whose count is unknown has no connections series (a gauge cannot say "unknown"); draining is then 0.</summary>
    private static void RenderConnections(StringBuilder text, ApplianceStatus status, ConnectionCounts connections)
    {
        Gauge(text, "appliance_server_connections", "Connections the switch tracks for the server (established or closing); absent while unknown.");
        foreach (var server in status.Servers)
        {
            if (connections.Of(server.Name) is { } count) Line(text, "appliance_server_connections", server.Name, count);
        }
        Gauge(text, "appliance_server_draining", "1 while the server carries connections but is not the active server: they finish there, new ones go to the active server.");
        foreach (var server in status.Servers) Line(text, "appliance_server_draining", server.Name, connections.Draining(server.Name, status.Active) ? 1 : 0);
    }

    /// <summary>The ingress guard's drops: one series per guard and owner the switch has counted.</summary>
    private static void RenderGuards(StringBuilder text, GuardMetrics guards)
    {
        text.Append("# HELP appliance_guard_dropped_packets_total Frames the switch dropped because they claimed another port's MAC or address.\n# TYPE appliance_guard_dropped_packets_total counter\n");
        foreach (var count in guards.All)
        {
            text.Append(CultureInfo.InvariantCulture, $"appliance_guard_dropped_packets_total{{guard=\"{count.Guard}\",owner=\"{count.Owner}\"}} {count.Dropped}\n");
        }
    }

    /// <summary>A box of a pair (docs/pair.md): its role, its keepalived bonus and the pair's faults.</summary>
    private static void Pair(StringBuilder text, Policy.PairStatus pair)
    {
        Gauge(text, "appliance_pair_active", "1 while this box of a pair is the active one, 0 while it stands by.");
        text.Append("appliance_pair_active ").Append(pair.Role == Policy.PairRole.Active ? 1 : 0).Append('\n');
        Gauge(text, "appliance_pair_bonus", "The VRRP priority bonus this box writes to keepalived's track file (a takeover's or handover's while one is under way).");
        text.Append("appliance_pair_bonus ").Append(pair.Bonus.ToString(CultureInfo.InvariantCulture)).Append('\n');
        Gauge(text, "appliance_pair_fault", "1 while the pair has a fault: the peer not heard, or split brain.");
        text.Append("appliance_pair_fault ").Append(pair.Fault is null ? 0 : 1).Append('\n');
        Gauge(text, "appliance_pair_split_brain", "1 while this box is active and has heard the peer as master on a path for 1 s or more.");
        text.Append("appliance_pair_split_brain ").Append(pair.SplitBrain ? 1 : 0).Append('\n');
    }

    private static void Gauge(StringBuilder text, string name, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" gauge\n");

    private static void Line(StringBuilder text, string name, string server, long value) =>
        text.Append(name).Append("{server=\"").Append(server).Append("\"} ").Append(value).Append('\n');
}
