using Appliance.Pipeline;
using Appliance.Policy;
using Appliance.Switch;

namespace Appliance.Controller;

/// <summary>
/// A pair's box that took over announces the VIP (gratuitous ARP) with its first rules, then again
/// at <see cref="GratuitousArp.RepeatAfter"/>: the office switch may learn the dead box's last
/// frames after the first announcement, and a batch that carried it may have failed. Then every
/// <see cref="GratuitousArp.Refresh"/> while active, also after a firmware restart on the active box.
/// </summary>
public sealed partial class ApplianceController
{
    // Which takeover the timer's announcements are for: a newer takeover, or standing by, ends the old schedule.
    private int _announcing;
    private TimeSpan _tookOverAt;
    private ITimer? _announceTimer;
    // An announcement is due and waits for the switch to have no request outstanding.
    private bool _announceDue;
    // The pair's paths when the active box last (re)started its announcements.
    private object? _announcedPaths;

    /// <summary>This box just took over (its first rules and announcement are on their way): schedule the repeats.</summary>
    private void StartAnnouncing()
    {
        StopAnnouncing();
        _tookOverAt = Now;
        _announcedPaths = _policy.Pair?.Paths;
        ScheduleAnnouncement(0);
    }

    /// <summary>The active box of a pair whose firmware restarted (no takeover to repeat): only the refresh.</summary>
    private void RefreshAnnouncements()
    {
        if (_policy.Pair is not { Role: PairRole.Active } pair) return;
        // A path between the boxes changed while this box stayed active (the peer cut off and back, or standing down
        // after both were active): the peer may have sent from the VIP's MAC until a moment ago, so the office switch
        // may point at it. The repeats again, not the next refresh: in the pair lab the return of both paths and a
        // handover each left the VIP silent about half a second, the refresh's mean wait.
        if (_announcedPaths is not null && !ReferenceEquals(_announcedPaths, pair.Paths))
        {
            StartAnnouncing();
            return;
        }
        _announcedPaths ??= pair.Paths;
        if (_announceTimer is not null) return;
        ScheduleAnnouncement(GratuitousArp.RepeatAfter.Count);
    }

    /// <summary>
    /// keepalived heard the peer's lower-priority advert on <paramref name="path"/> while this box is master there: the
    /// peer was active too a moment ago (both paths cut and back) and may have sent from the VIP's MAC, so the office
    /// switch may point at it. Announce now, and the repeats again; no path state changes for this (keepalived stays
    /// master), and in the pair lab the VIP stayed silent 0.7 s, until the next refresh, after both paths came back.
    /// keepalived tells this with each such advert (every advert_int while the peer still calls itself master): the
    /// schedule restarts at most once per first repeat's delay, so that the repeats are not pushed back for ever.
    /// </summary>
    public void ReportPeerStoodDown(string path) => Post(new PeerStoodDown(path));

    private void OnPeerStoodDown()
    {
        if (_policy.Pair is not { Role: PairRole.Active }) return;
        if (_announceTimer is not null && Now - _tookOverAt < GratuitousArp.RepeatAfter[0]) return;
        StartAnnouncing();
        _announceDue = true;
        Announce();
    }

    /// <summary>Not (or no longer) the box that serves the VIP: no announcement is due.</summary>
    private void StopAnnouncing()
    {
        _announcing++;
        _announceDue = false;
        _announceTimer?.Dispose();
        _announceTimer = null;
    }

    private void ScheduleAnnouncement(int repeat)
    {
        _announceTimer?.Dispose();
        _announceTimer = null;
        var delay = repeat < GratuitousArp.RepeatAfter.Count ? _tookOverAt + GratuitousArp.RepeatAfter[repeat] - Now : GratuitousArp.Refresh;
        var due = new AnnouncementDue(_announcing, repeat);
        _announceTimer = _time.CreateTimer(static s => ((AnnouncementTimer)s!).Fire(), new AnnouncementTimer(this, due),
            delay > TimeSpan.Zero ? delay : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void OnAnnouncementDue(AnnouncementDue due)
    {
        if (due.Takeover != _announcing) return;
        _announceDue = true;
        ScheduleAnnouncement(due.Repeat + 1);
        Announce();
    }

    /// <summary>Sends a due announcement on its own, once nothing else is outstanding (the switch takes one request at a time).</summary>
    private void Announce()
    {
        if (!_announceDue || _session is not { IsClosed: false } session || _work is not null || !_adopted) return;
        _announceDue = false;
        if (_lastProgrammed is not { Standby: false }) return;
        var packets = GratuitousArp.Packets(_config.Service.Vip, _config.Service.Vmac);
        Start(session, new Announcement(), () => session.ApplyAsync(packets));
    }

    private sealed class AnnouncementTimer(ApplianceController controller, AnnouncementDue due)
    {
        public void Fire() => controller.Post(due);
    }
}
