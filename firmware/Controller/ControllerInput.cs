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
