using Appliance.Api;
using Appliance.Pipeline;
using Appliance.Policy;
using Appliance.Switch;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    /// <summary>The last decision programmed (sent or found in place): whether this box was a standby before.</summary>
    private DesiredSwitchState? _lastProgrammed;

    /// <summary>
    /// Hands the policy an input and carries out its decision: the switch is asked to follow it
    /// (not waited for), the operator's intent is saved when it changed, the status is published,
    /// and a request is answered from the decision. The answer comes last so that whoever asked
    /// reads a status that already shows it, and it comes even when a status listener throws:
    /// the decision was taken.
    /// </summary>
    private PolicyDecision Decide(PolicyInput input, bool force = false, TaskCompletionSource<RequestOutcome>? reply = null)
    {
        var decision = _policy.Handle(input);
        try
        {
            CarryOut(input, decision, force);
        }
        finally
        {
            reply?.TrySetResult(decision.Reply ?? new RequestOutcome(false, "not a request"));
        }
        return decision;
    }

    private void CarryOut(PolicyInput input, PolicyDecision decision, bool force)
    {
        var wall = _time.GetUtcNow();
        foreach (var e in decision.Events)
        {
            Events.Add(new LoggedEvent(wall - (Now - e.At), e.Kind, e.Server, e.Message));
            LogEvent(e.Kind is EventKind.HealthDown or EventKind.LinkDown or EventKind.Failover or EventKind.NoHealthyServer or EventKind.SwitchDisconnected or EventKind.StateReset
                ? LogLevel.Warning : LogLevel.Information, e.Message);
        }
        ScheduleWake(decision.WakeAt);
        if (decision.DesiredChanged || force) RequestProgram(DescribeCause(input));
        else RefreshAnnouncements();   // a pair's path may have changed with the rules unchanged
        SaveIntent();
        // A pair's status can change with no event and no rule (a settings comparison that agrees, a path's state while
        // standby): it is shown all the same.
        if (decision.Events.Length > 0 || decision.DesiredChanged || force || !ReferenceEquals(_policy.Pair, Status.Pair)) Publish();
    }

    /// <summary>The switch should hold the rules of the policy's current decision (or of newly learned MACs).</summary>
    private void RequestProgram(string cause)
    {
        _wanted++;
        _cause = cause;
        Program();
    }

    /// <summary>
    /// Sends what differs between the switch and the current decision, unless a request is
    /// outstanding: then this runs again when its answer comes, against what the switch then holds.
    /// </summary>
    private void Program()
    {
        if (_session is not { IsClosed: false } session || _work is not null) return;
        if (!_adopted)
        {
            // The read-back at connection failed: try it again now that there is something to send.
            Start(session, new ReadBack(Adopting: true, Version: null), () => ReadSwitchAsync(session));
            return;
        }
        var decision = _policy.State.Desired;
        var desired = _builder.Build(decision, _macs, _managementMac);
        var messages = _replaceAll ? Reconciler.Replace(desired) : Reconciler.Diff(_installed, desired);
        _replaceAll = false;
        // A pair's standby just became active: its rules, then gratuitous ARP (docs/pair.md).
        var garp = GratuitousArp.OnTakeover(_lastProgrammed, decision, _config.Service.Vip, _config.Service.Vmac);
        _lastProgrammed = decision;
        if (garp.Count > 0)
        {
            messages = [.. messages, .. garp];
            StartAnnouncing();
        }
        else if (decision.Standby)
        {
            StopAnnouncing();
        }
        else
        {
            RefreshAnnouncements();
        }
        if (messages.Count == 0)
        {
            _installed = desired;
            Confirmed(_wanted);
            return;
        }
        Start(session, new Batch(desired, decision, messages.Count, _cause, _wanted), () => session.ApplyAsync(messages));
    }

    /// <summary>
    /// Makes <paramref name="request"/> the one outstanding; its answer comes back through the
    /// queue, or is taken at once when the switch gave it at once.
    /// </summary>
    private void Start(ISwitchChannel session, SwitchRequest request, Func<Task> send)
    {
        Task answer;
        try
        {
            answer = send();
        }
        catch (Exception e)
        {
            answer = Task.FromException(e);
        }
        _work = request;
        var answered = new SwitchAnswered(session, request, answer);
        if (answer.IsCompleted) OnAnswered(answered);
        else _ = ForwardAsync(answered);
    }

    private async Task ForwardAsync(SwitchAnswered answered)
    {
        // WhenAny never throws: the loop reads the outcome from the task itself.
        await Task.WhenAny(answered.Answer).ConfigureAwait(false);
        Post(answered);
    }

    private void OnAnswered(SwitchAnswered answered)
    {
        // The answer of a session that ended or was replaced means nothing now.
        if (answered.Session != _session || !ReferenceEquals(answered.Request, _work)) return;
        _work = null;
        var session = answered.Session;
        switch (answered.Request, answered.Answer)
        {
            case (ReadBack read, Task<RuleSet> { IsCompletedSuccessfully: true } rules):
                if (read.Adopting)
                {
                    Adopt(session, rules.Result);
                    break;
                }
                _installed = rules.Result;
                // A refused rule is not sent again until the decision changes: it would only be refused again.
                if (read.Version != _wanted) Program();
                break;
            case (ReadBack { Adopting: true }, var failed) when !session.IsClosed:
                AdoptionReadFailed(session, Reason(failed));
                break;
            case (ReadBack, var failed):
                LogReadFailed(Reason(failed));
                break;
            case (Batch batch, Task<BatchResult> { IsCompletedSuccessfully: true } applied) when applied.Result.Succeeded:
                _installed = batch.Desired;
                LogProgrammed(batch.Count, batch.Cause, applied.Result.Elapsed.TotalMilliseconds, batch.Decision.ToString());
                Confirmed(batch.Version);
                Program();
                break;
            case (Batch batch, Task<BatchResult> { IsCompletedSuccessfully: true } refused):
                foreach (var error in refused.Result.Errors) LogRefusedRule(error.ToString());
                // Some of the batch did not apply: learn what the switch really holds before the next change.
                Start(session, new ReadBack(Adopting: false, batch.Version), () => ReadSwitchAsync(session));
                break;
            case (Batch batch, var failed):
                LogProgramFailed(batch.Cause, Reason(failed));
                if (!session.IsClosed) Start(session, new ReadBack(Adopting: false, batch.Version), () => ReadSwitchAsync(session));
                break;
            case (Announcement, var sent):
                if (sent is Task<BatchResult> { IsCompletedSuccessfully: true } answer && !answer.Result.Succeeded)
                {
                    LogAnnouncementFailed(string.Join("; ", answer.Result.Errors));
                }
                else if (!sent.IsCompletedSuccessfully)
                {
                    LogAnnouncementFailed(Reason(sent));
                }
                // Anything decided while the announcement was outstanding.
                Program();
                break;
        }
        // An announcement that fell due while the switch was busy.
        Announce();
    }

    /// <summary>The switch holds the rules of decision <paramref name="version"/>; when that is the current one, the firmware's rules are in.</summary>
    private void Confirmed(int version)
    {
        if (version != _wanted) return;
        _programmed.TrySetResult();
        if (_config.Servers.All(s => _macs.ContainsKey(s.Name))) _reachable.TrySetResult();
        if (_confirmed) return;
        _confirmed = true;
        // From now on probes cross a switch that forwards as we want (see the policy's switch-restart grace).
        Decide(new RulesConfirmed(Now));
        // switch.programmed in /api/status (appliance update verify-boot waits for it).
        Publish();
    }

    private static string Reason(Task failed) => failed.Exception?.InnerException?.Message ?? "cancelled";

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
        OfficeLinkChanged office => $"office port {(office.Up ? "up" : "down")}",
        ProbeResult probe => $"{probe.Server} probe {(probe.Healthy ? "healthy" : probe.Detail)}",
        ClientRefused refused => $"{refused.Server} refused a client ({refused.Describe()})",
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "announcing the VIP again (gratuitous ARP) failed: {Reason}; the next repeat is still due")]
    private partial void LogAnnouncementFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "programming the switch failed ({Cause}): {Reason}")]
    private partial void LogProgramFailed(string cause, string reason);
}
