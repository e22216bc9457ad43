using Appliance.Pipeline;
using Appliance.Policy;
using Appliance.Switch;

namespace Appliance.Controller;

/// <summary>What the controller loop reacts to; all of it arrives through one queue, in order.</summary>
internal abstract record ControllerInput;

internal sealed record SessionUp(ISwitchChannel Session) : ControllerInput;

internal sealed record SessionDown(ISwitchChannel Session, string Reason) : ControllerInput;

internal sealed record PortChanged(ISwitchChannel Session, OfpPortDesc Port) : ControllerInput;

/// <summary>A policy input from a probe, a timer or a request; requests carry where to answer.</summary>
internal sealed record PolicyCall(PolicyInput Input, TaskCompletionSource<RequestOutcome>? Reply = null) : ControllerInput;

/// <summary>A server's MAC became known (ARP) or changed.</summary>
internal sealed record MacLearned(string Server, MacAddress Mac) : ControllerInput;

/// <summary>The management port's MAC, as read from its interface (it changes when the port is made anew).</summary>
internal sealed record ManagementMacRead(MacAddress Mac) : ControllerInput;

/// <summary>Marks a place in the queue: completed when the loop reaches it.</summary>
internal sealed record Flush(TaskCompletionSource Reached) : ControllerInput;

/// <summary>The switch answered a request of ours, or failed to: handled on the loop like everything else.</summary>
internal sealed record SwitchAnswered(ISwitchChannel Session, SwitchRequest Request, Task Answer) : ControllerInput;

/// <summary>A pair's box that took over announces the VIP again (<see cref="ApplianceController"/>.Announce.cs): repeat <paramref name="Repeat"/> of takeover <paramref name="Takeover"/>.</summary>
internal sealed record AnnouncementDue(int Takeover, int Repeat) : ControllerInput;

/// <summary>keepalived, master on a path, heard the peer's lower-priority advert there (<see cref="ApplianceController.ReportPeerStoodDown"/>).</summary>
internal sealed record PeerStoodDown(string Path) : ControllerInput;

/// <summary>What the controller asked the switch; at most one is outstanding at a time.</summary>
internal abstract record SwitchRequest;

/// <summary>
/// Reads the switch's flows and groups: to adopt a new session, or to learn what a refused or
/// failed batch left behind.
/// </summary>
/// <param name="Version">After a refused or failed batch, the decision it was built for: not sent again until a newer one.</param>
internal sealed record ReadBack(bool Adopting, int? Version) : SwitchRequest;

/// <summary>A barrier-confirmed batch that brings the switch to <paramref name="Desired"/>, the rules of <paramref name="Decision"/>, built for decision number <paramref name="Version"/>.</summary>
internal sealed record Batch(RuleSet Desired, DesiredSwitchState Decision, int Count, string Cause, int Version) : SwitchRequest;

/// <summary>Gratuitous ARP for the VIP sent again after a takeover, on its own (barrier-confirmed).</summary>
internal sealed record Announcement : SwitchRequest;
