using Appliance.Policy;

namespace Appliance.Pipeline;

/// <summary>
/// The switch's reflex to a refusal: when the server new connections go to (the active server)
/// refuses a client, the switch itself learns, while it forwards that refusal, to send the active
/// server's new and pinned connections to the next server. No controller round trip: the next
/// client is served elsewhere even when the firmware is busy or slow to hear of it. The firmware's
/// own decision (the server hard-down) follows within milliseconds, and the learned flow is deleted
/// once the rules it was learned under change (<see cref="RuleSet.Learned"/>).
/// </summary>
/// <remarks>
/// Only with <c>passive_refusals: 1</c> (the switch cannot count) and a server to fall back to.
/// <list type="bullet">
/// <item>Table 5, priority 200: a new connection (<c>ct_mark</c> 0) or one pinned to the active
/// server sets reg2 to the active server's pin, looks itself up in table 9, and goes on in table 10.</item>
/// <item>Table 9 holds only what the switch learned: for reg2 = the pin of a server that refused,
/// reg0 bit 0 is set (and the client's port loaded into reg1, which is only there so that the switch
/// un-wildcards it: every refusal of another client is seen afresh, never hidden in a cached flow).</item>
/// <item>Table 10: reg0 bit 0 set goes to the fallback group (the other servers in order, each bucket
/// re-pinning the connection to its server, as a hard-down does); otherwise the connection goes on as
/// table 5 would have sent it.</item>
/// </list>
/// A learned flow holds for <see cref="ReflexSeconds"/> without the firmware (renewed by every refusal),
/// and matches only while its server is the active one: reg2 is set to the active server's pin.
/// </remarks>
public sealed partial class RuleBuilder
{
    private const byte ReflexTable = 9;
    private const byte DispatchTable = 10;

    /// <summary>The fast-failover group of the servers after the active one, which the reflex sends to.</summary>
    public const uint FallbackGroup = 0x1000;

    /// <summary>How long a learned reflex lasts when the firmware does not replace it first.</summary>
    public const ushort ReflexSeconds = 10;

    private const ushort ReflexPriority = 100;
    private static readonly OxmFieldId ReflexHit = OxmFieldId.NxReg(0);
    private static readonly OxmFieldId ReflexClientPort = OxmFieldId.NxReg(1);
    private static readonly OxmFieldId ReflexServer = OxmFieldId.NxReg(2);

    private bool ReflexOn(IReadOnlyList<int> order) => Passive.Watching && Passive.Refusals == 1 && order.Count >= 2;

    /// <summary>The learn action the refusals of the server of <paramref name="priority"/> carry: only the active server's.</summary>
    private NxLearnAction? Reflex(int priority, IReadOnlyList<int> order) =>
        ReflexOn(order) && order[0] == priority
            ? new NxLearnAction(ReflexTable, ReflexPriority, Cookies.Of(RuleKind.Reflex, config.Servers[priority].Port), IdleTimeout: 0, ReflexSeconds,
            [
                NxLearnSpec.MatchValue(ReflexServer, PinOf(priority)),
                NxLearnSpec.LoadValue(1, ReflexHit, 0, 1),
                NxLearnSpec.LoadField(OxmFieldId.NxCtTpSrc, ReflexClientPort, 0),
            ])
            : null;

    private void AddReflex(List<FlowEntry> flows, IReadOnlyList<int> order)
    {
        if (!ReflexOn(order)) return;
        var active = order[0];
        var consult = InstructionList.Of(
            new ApplyActionsInstruction(ActionList.Of(new SetFieldAction(OxmField.Register(2, PinOf(active))), new NxResubmitAction(ReflexTable))),
            new GotoTableInstruction(DispatchTable));
        flows.Add(new(PinTable, 200, Match.Of(OxmField.CtMark(0)), Cookies.Of(RuleKind.ReflexDispatch, 0), consult));
        flows.Add(new(PinTable, 200, Match.Of(OxmField.CtMark(PinOf(active))), Cookies.Of(RuleKind.ReflexDispatch, 1), consult));
        flows.Add(new(DispatchTable, 100, Match.Of(OxmField.Register(0, 1, 1)), Cookies.Of(RuleKind.ReflexDispatch, 2), InstructionList.Apply(new GroupAction(FallbackGroup))));
        flows.Add(new(DispatchTable, 50, Match.Of(OxmField.CtMark(PinOf(active))), Cookies.Of(RuleKind.ReflexDispatch, 3), InstructionList.Apply(new GroupAction(PinnedGroup(active)))));
        flows.Add(new(DispatchTable, 0, Match.Any, Cookies.Of(RuleKind.ReflexDispatch, 4), InstructionList.Apply(new GroupAction(VipGroup))));
    }

    private GroupEntry? Fallback(IReadOnlyList<int> order) =>
        ReflexOn(order) ? new GroupEntry(FallbackGroup, OfpGroupType.FastFailover, [.. order.Skip(1).Select(PinTo)]) : null;

    /// <summary>
    /// What the switch may learn under these rules: reflexes that hold only while the same servers
    /// serve in the same order; without a reflex, nothing (<see cref="LearnedFlows.Nothing"/>), so that
    /// one the switch learned late, from a refusal still in flight when the firmware took over, is
    /// deleted when the reflex comes back instead of holding a returning server out.
    /// </summary>
    private LearnedFlows Learned(IReadOnlyList<int> order) => new(ReflexTable, Cookies.Of(RuleKind.Reflex), Cookies.KindMask,
        ReflexOn(order) ? string.Join(" > ", order.Select(p => config.Servers[p].Name)) : LearnedFlows.Nothing);
}
