namespace Appliance.Pipeline;

/// <summary>
/// The messages that turn what the switch has into what is wanted, and nothing else: rules that are
/// already right are not touched, so reconciling after a firmware restart changes nothing and
/// disturbs no packet.
/// </summary>
public static class Reconciler
{
    /// <summary>
    /// Orders the changes so that no packet ever meets a half-made state: groups are created or
    /// changed before flows that use them, rules are replaced in place (an ADD over the same key is
    /// atomic), and what is no longer wanted goes last, flows before the groups they use.
    /// </summary>
    public static IReadOnlyList<IOfpMessage> Diff(RuleSet current, RuleSet desired)
    {
        var messages = new List<IOfpMessage>();
        var currentGroups = current.Groups.ToDictionary(g => g.GroupId);
        foreach (var group in desired.Groups)
        {
            if (!currentGroups.TryGetValue(group.GroupId, out var existing)) messages.Add(group.ToMod(OfpGroupModCommand.Add));
            else if (existing != group) messages.Add(group.ToMod(OfpGroupModCommand.Modify));
        }

        var currentFlows = current.Flows.ToDictionary(f => f.Key);
        var desiredKeys = new HashSet<FlowKey>();
        foreach (var flow in desired.Flows)
        {
            desiredKeys.Add(flow.Key);
            if (!currentFlows.TryGetValue(flow.Key, out var existing) || existing.Cookie != flow.Cookie || existing.Instructions != flow.Instructions)
            {
                messages.Add(flow.ToAdd());
            }
        }
        foreach (var flow in current.Flows)
        {
            if (!desiredKeys.Contains(flow.Key)) messages.Add(flow.ToDelete());
        }

        var desiredGroups = desired.Groups.Select(g => g.GroupId).ToHashSet();
        foreach (var group in current.Groups)
        {
            if (!desiredGroups.Contains(group.GroupId)) messages.Add(new GroupMod(OfpGroupModCommand.Delete, group.Type, group.GroupId, []));
        }
        return messages;
    }

    /// <summary>
    /// Empties the switch and installs <paramref name="desired"/>: for a switch whose rules cannot
    /// be read, so no diff can be made. Everything the switch held goes, ours and anything else,
    /// and until the adds arrive nothing forwards: a last resort, not a reconcile.
    /// </summary>
    public static IReadOnlyList<IOfpMessage> Replace(RuleSet desired)
    {
        var messages = new List<IOfpMessage>
        {
            new FlowMod { TableId = OfpTable.All, Command = OfpFlowModCommand.Delete, Match = Match.Any },
            new GroupMod(OfpGroupModCommand.Delete, OfpGroupType.All, OfpGroup.All, []),
        };
        messages.AddRange(Diff(RuleSet.Empty, desired));
        return messages;
    }
}
