namespace Appliance.Pipeline;

/// <summary>
/// The messages that turn what the switch has into what is wanted, and nothing else: rules that are
/// already right are not touched, so reconciling after a firmware restart changes nothing and
/// disturbs no packet.
/// </summary>
public static class Reconciler
{
    /// <summary>
    /// Orders the changes so that no packet ever meets a half-made state: meters and groups are
    /// created or changed before flows that use them, rules are replaced in place (an ADD over the
    /// same key is atomic), and what is no longer wanted goes last, flows (and the flows the switch
    /// learned under the old rules) before the groups and meters they use.
    /// </summary>
    public static IReadOnlyList<IOfpMessage> Diff(RuleSet current, RuleSet desired)
    {
        var messages = new List<IOfpMessage>();
        // OVS binds a controller action to its meter when the flow is added: a flow added while its
        // meter was missing stays unmetered until it is added again.
        var created = new HashSet<uint>();
        var currentMeters = current.Meters.ToDictionary(m => m.MeterId);
        foreach (var meter in desired.Meters)
        {
            if (!currentMeters.TryGetValue(meter.MeterId, out var existing))
            {
                messages.Add(meter.ToMod(OfpMeterModCommand.Add));
                created.Add(meter.MeterId);
            }
            else if (existing != meter)
            {
                messages.Add(meter.ToMod(OfpMeterModCommand.Modify));
            }
        }

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
            if (!currentFlows.TryGetValue(flow.Key, out var existing) || existing.Cookie != flow.Cookie || existing.Instructions != flow.Instructions
                || (created.Count > 0 && MetersOf(flow.Instructions).Any(created.Contains)))
            {
                messages.Add(flow.ToAdd());
            }
        }
        foreach (var flow in current.Flows)
        {
            if (!desiredKeys.Contains(flow.Key)) messages.Add(flow.ToDelete());
        }
        // What the switch learned under the old rules is not the firmware's decision under the new ones.
        if (current.Learned is { } learned && learned != desired.Learned) messages.Add(learned.ToDelete());

        var desiredGroups = desired.Groups.Select(g => g.GroupId).ToHashSet();
        foreach (var group in current.Groups)
        {
            if (!desiredGroups.Contains(group.GroupId)) messages.Add(new GroupMod(OfpGroupModCommand.Delete, group.Type, group.GroupId, []));
        }

        var desiredMeters = desired.Meters.Select(m => m.MeterId).ToHashSet();
        foreach (var meter in current.Meters)
        {
            if (!desiredMeters.Contains(meter.MeterId)) messages.Add(new MeterMod(OfpMeterModCommand.Delete, default, meter.MeterId, []));
        }
        return messages;
    }

    /// <summary>The meters a flow's instructions use: a meter instruction, or a controller action's meter.</summary>
    public static IEnumerable<uint> MetersOf(InstructionList instructions)
    {
        foreach (var instruction in instructions)
        {
            switch (instruction)
            {
                case MeterInstruction meter:
                    yield return meter.MeterId;
                    break;
                case ActionsInstruction actions:
                    foreach (var action in actions.Actions)
                    {
                        if (action is NxControllerAction { MeterId: var id } && id != NxControllerAction.NoMeter) yield return id;
                    }
                    break;
            }
        }
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
            new MeterMod(OfpMeterModCommand.Delete, default, OfpMeter.All, []),
        };
        messages.AddRange(Diff(RuleSet.Empty, desired));
        return messages;
    }
}
