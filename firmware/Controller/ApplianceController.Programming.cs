using Appliance.Api;
using Appliance.Pipeline;
using Appliance.Policy;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    private async Task<PolicyDecision> DecideAsync(PolicyInput input, bool force = false)
    {
        var decision = _policy.Handle(input);
        var wall = _time.GetUtcNow();
        foreach (var e in decision.Events)
        {
            Events.Add(new LoggedEvent(wall - (Now - e.At), e.Kind, e.Server, e.Message));
            LogEvent(e.Kind is EventKind.HealthDown or EventKind.LinkDown or EventKind.Failover or EventKind.NoHealthyServer or EventKind.SwitchDisconnected
                ? LogLevel.Warning : LogLevel.Information, e.Message);
        }
        ScheduleWake(decision.WakeAt);
        if (decision.DesiredChanged || force) await ProgramAsync(DescribeCause(input)).ConfigureAwait(false);
        if (decision.Events.Length > 0 || decision.DesiredChanged || force) Publish();
        return decision;
    }

    /// <summary>Makes the switch hold the rules of the policy's current decision, sending only what differs.</summary>
    private async Task ProgramAsync(string cause)
    {
        if (_session is not { IsClosed: false } session) return;
        var desired = _builder.Build(_policy.State.Desired, _macs, _managementMac);
        var messages = Reconciler.Diff(_installed, desired);
        if (messages.Count == 0)
        {
            _installed = desired;
            return;
        }
        try
        {
            var result = await session.ApplyAsync(messages).ConfigureAwait(false);
            if (result.Succeeded)
            {
                _installed = desired;
                LogProgrammed(messages.Count, cause, result.Elapsed.TotalMilliseconds, _policy.State.Desired.ToString());
                return;
            }
            foreach (var error in result.Errors) LogRefusedRule(error.ToString());
            // Some of the batch did not apply: learn what the switch really holds before the next change.
            _installed = await ReadSwitchAsync(session).ConfigureAwait(false);
        }
        catch (SwitchException e)
        {
            LogProgramFailed(cause, e.Message);
        }
    }

    private void ScheduleWake(TimeSpan? at)
    {
        _wake?.Dispose();
        _wake = null;
        if (at is not { } when) return;
        var delay = when - Now;
        _wake = StartTicks(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private static string DescribeCause(PolicyInput input) => input switch
    {
        SwitchConnected => "switch connected",
        LinkChanged link => $"{link.Server} link {(link.Up ? "up" : "down")}",
        ProbeResult probe => $"{probe.Server} probe {(probe.Healthy ? "healthy" : probe.Detail)}",
        FailbackRequested request => $"failback requested ({request.Source})",
        MoveRequested request => $"move requested ({request.Source})",
        _ => input.GetType().Name,
    };

    [LoggerMessage(Message = "{Message}")]
    private partial void LogEvent(LogLevel level, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "programmed {Count} changes in {Milliseconds:0.0} ms ({Cause}): {Desired}")]
    private partial void LogProgrammed(int count, string cause, double milliseconds, string desired);

    [LoggerMessage(Level = LogLevel.Error, Message = "the switch refused a rule: {Error}")]
    private partial void LogRefusedRule(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "programming the switch failed ({Cause}): {Reason}")]
    private partial void LogProgramFailed(string cause, string reason);
}
