using System.Text;

namespace Appliance.Pipeline;

/// <summary>
/// A flow entry as the switch identifies it: table, priority and match (OF1.3.5 §6.4). Two entries
/// with the same key cannot coexist; adding one replaces the other atomically.
/// </summary>
public readonly record struct FlowKey(byte TableId, ushort Priority, Match Match);

/// <summary>One flow entry of a rule set.</summary>
public sealed record FlowEntry(byte TableId, ushort Priority, Match Match, ulong Cookie, InstructionList Instructions)
{
    public FlowKey Key => new(TableId, Priority, Match);

    /// <summary>An ADD: creates the entry, or replaces one with the same key (cookie and counters included).</summary>
    public FlowMod ToAdd() => new()
    {
        TableId = TableId, Priority = Priority, Match = Match, Cookie = Cookie, Instructions = Instructions, Command = OfpFlowModCommand.Add,
    };

    public FlowMod ToDelete() => new()
    {
        TableId = TableId, Priority = Priority, Match = Match, Command = OfpFlowModCommand.DeleteStrict,
    };

    public override string ToString() =>
        $"cookie=0x{Cookie:x} ({Cookies.Describe(Cookie)}), table={TableId}, priority={Priority},{Match} actions={Instructions}";
}

/// <summary>One group of a rule set.</summary>
public sealed record GroupEntry(uint GroupId, OfpGroupType Type, ValueList<Bucket> Buckets)
{
    public GroupMod ToMod(OfpGroupModCommand command) => new(command, Type, GroupId, Buckets);

    public override string ToString() => $"group_id={GroupId},type={Type},{string.Join(",", Buckets)}";
}

/// <summary>One meter of a rule set.</summary>
public sealed record MeterEntry(uint MeterId, OfpMeterFlags Flags, ValueList<MeterBand> Bands)
{
    public MeterMod ToMod(OfpMeterModCommand command) => new(command, Flags, MeterId, Bands);

    public override string ToString() => $"meter={MeterId},{Flags},{string.Join(",", Bands)}";
}

/// <summary>
/// Flows the switch adds by itself (a <c>learn</c> action) in <see cref="TableId"/> under a cookie:
/// they hold only while the rules that learn them stay as they were (<see cref="Basis"/>), and are
/// deleted together when those change.
/// </summary>
public sealed record LearnedFlows(byte TableId, ulong Cookie, ulong CookieMask, string Basis)
{
    /// <summary>The basis of rules under which the switch learns nothing.</summary>
    public const string Nothing = "";


    public FlowMod ToDelete() => new()
    {
        TableId = TableId, Cookie = Cookie, CookieMask = CookieMask, Match = Match.Any, Command = OfpFlowModCommand.Delete,
    };

    public override string ToString() => $"learned: table={TableId}, cookie=0x{Cookie:x}/0x{CookieMask:x} ({Basis})";
}

/// <summary>Everything the firmware wants in the switch (or everything the switch has).</summary>
public sealed record RuleSet(IReadOnlyList<FlowEntry> Flows, IReadOnlyList<GroupEntry> Groups)
{
    public static RuleSet Empty { get; } = new([], []);

    public IReadOnlyList<MeterEntry> Meters { get; init; } = [];

    /// <summary>The flows the switch may learn under these rules; unknown (null) for a rule set read back, whose learned flows are plain flows there.</summary>
    public LearnedFlows? Learned { get; init; }

    /// <summary>What a switch holds, as read back through FLOW, GROUP_DESC and METER_CONFIG multipart requests.</summary>
    public static RuleSet FromSwitch(IEnumerable<FlowStats> flows, IEnumerable<GroupDesc> groups, IEnumerable<MeterConfig>? meters = null) => new(
        [.. flows.Select(f => new FlowEntry(f.TableId, f.Priority, f.Match, f.Cookie, f.Instructions))],
        [.. groups.Select(g => new GroupEntry(g.GroupId, g.GroupType, g.Buckets))])
    {
        Meters = [.. (meters ?? []).Select(m => new MeterEntry(m.MeterId, m.Flags, m.Bands))],
    };

    /// <summary>Human-readable, one rule per line, as <c>appliance check</c> prints it.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var meter in Meters.OrderBy(m => m.MeterId)) text.AppendLine(meter.ToString());
        foreach (var group in Groups.OrderBy(g => g.GroupId)) text.AppendLine(group.ToString());
        foreach (var flow in Flows.OrderBy(f => f.TableId).ThenByDescending(f => f.Priority)) text.AppendLine(flow.ToString());
        if (Learned is { Basis: not LearnedFlows.Nothing }) text.AppendLine(Learned.ToString());
        return text.ToString();
    }
}
