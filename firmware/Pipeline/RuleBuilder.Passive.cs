using Appliance.Config;

namespace Appliance.Pipeline;

/// <summary>
/// Passive health: the switch hands the firmware the refusals servers send to new connections on the
/// service's ports, a few hundred a second per server at most, while the packets themselves go on
/// to the client as before.
/// </summary>
/// <remarks>
/// A refusal is the server's own answer to a connection it never answered: a TCP reset of a
/// connection (in the pin zone) that has no answer yet (a SYN refused), or a bare reset (no ACK
/// flag) of one answered no further than the handshake, which is the kernel saying it has no such
/// connection: the listener died while the handshake was under way; or ICMP port or host
/// unreachable related to a UDP flow. An application's own reset always carries ACK, and before it
/// answered the request (an abort) it can look like nothing else, so it is never reported. Bit 0 of
/// the connection's <c>ct_label</c> in the pin zone marks the handshake answered, bit 1 any answer
/// beyond it: a reset of a connection the server has served is never even looked at. Only replies from a server's port reach table 6, past the guard, so nothing the office
/// sends can pose as a refusal. The report goes through the server's meter (a datapath meter in
/// front of the controller action alone): a flood of refusals costs the switch nothing beyond the
/// meter, and the firmware a few hundred messages a second at most. The active server's refusals
/// also trigger the switch's own reflex (RuleBuilder.Reflex.cs).
/// </remarks>
public sealed partial class RuleBuilder
{
    private const byte RefusalTable = 8;
    private const byte IpProtoIcmp = 1;
    private const byte IpProtoTcp = 6;
    private const byte IpProtoUdp = 17;
    private const ushort TcpSyn = 0x002, TcpRst = 0x004, TcpAck = 0x010;
    private const byte IcmpUnreachable = 3;
    private const byte IcmpHostUnreachable = 1;
    private const byte IcmpPortUnreachable = 3;

    /// <summary>ct_state bits (OVS): tracked, invalid, reply direction, related.</summary>
    private const uint CtTracked = 0x20, CtInvalid = 0x10, CtReply = 0x08, CtRelated = 0x04;

    /// <summary>Bits of a connection's <c>ct_label</c> in the pin zone: the server answered the handshake; it answered beyond it.</summary>
    private static readonly UInt128 Handshaken = 1, Served = 2;

    /// <summary>Reports per server and second, at most; a burst of this many passes at once.</summary>
    public const uint RefusalRate = 200, RefusalBurst = 50;

    /// <summary>Enough of a refusal for its ports: Ethernet, IPv4 (with options), and TCP, or ICMP and the datagram's headers.</summary>
    public const ushort RefusalBytes = 160;

    /// <summary>The meter of the server of <paramref name="priority"/>'s refusal reports.</summary>
    public static uint MeterOf(int priority) => (uint)priority + 1;

    private PassiveHealthConfig Passive => config.Health.Passive;

    private void AddPassiveHealth(List<FlowEntry> flows, IReadOnlyList<int> order)
    {
        if (!Passive.Watching) return;
        var toRefusals = new GotoTableInstruction(RefusalTable);
        foreach (var port in Passive.Ports)
        {
            // Not yet served, TCP: its answers are marked, a reset reported (table 8).
            flows.Add(new(ReplyOutTable, 100,
                Ipv4(OxmField.CtState(CtTracked | CtReply, CtTracked | CtReply), OxmField.CtNwProto(IpProtoTcp), OxmField.CtTpDst(port), OxmField.CtLabel(0, Served)),
                Cookies.Of(RuleKind.PassiveWatch, 0), InstructionList.Of(new ApplyActionsInstruction(FromVipActions), toRefusals)));
            flows.Add(new(ReplyOutTable, 100,
                Ipv4(OxmField.IpProto(IpProtoIcmp), OxmField.CtState(CtTracked | CtRelated, CtTracked | CtRelated), OxmField.CtNwProto(IpProtoUdp), OxmField.CtTpDst(port)),
                Cookies.Of(RuleKind.PassiveWatch, 1), InstructionList.Of(new ApplyActionsInstruction(FromVipActions), toRefusals)));
        }
        // Valid and tracked, with the connection's protocol: what the reflex's learn needs to read the client's port.
        var tracked = OxmField.CtState(CtTracked, CtTracked | CtInvalid);
        for (var priority = 0; priority < config.Servers.Count; priority++)
        {
            var server = config.Servers[priority];
            var report = Report(priority, order);
            var inPort = OxmField.InPort(server.Port);
            flows.Add(new(RefusalTable, 100,
                Ipv4(inPort, OxmField.IpProto(IpProtoTcp), OxmField.TcpFlags(TcpRst, TcpRst), tracked, OxmField.CtNwProto(IpProtoTcp), OxmField.CtLabel(0, Handshaken)),
                Cookies.Of(RuleKind.Refusal, server.Port), report));
            flows.Add(new(RefusalTable, 100,
                Ipv4(inPort, OxmField.IpProto(IpProtoTcp), OxmField.TcpFlags(TcpRst, TcpRst | TcpAck), tracked, OxmField.CtNwProto(IpProtoTcp), OxmField.CtLabel(Handshaken, Handshaken)),
                Cookies.Of(RuleKind.Unanswered, server.Port), report));
            foreach (var code in (ReadOnlySpan<byte>)[IcmpHostUnreachable, IcmpPortUnreachable])
            {
                flows.Add(new(RefusalTable, 100,
                    Ipv4(inPort, OxmField.IpProto(IpProtoIcmp), OxmField.Icmpv4Type(IcmpUnreachable), OxmField.Icmpv4Code(code), tracked, OxmField.CtNwProto(IpProtoUdp)),
                    Cookies.Of(RuleKind.Refusal, server.Port), report));
            }
        }
        // Any other answer: the handshake's marks the connection handshaken, anything after it served,
        // and from then on its resets are the application's.
        flows.Add(new(RefusalTable, 60, Ipv4(OxmField.IpProto(IpProtoTcp), OxmField.TcpFlags(TcpSyn, TcpSyn)), Cookies.Of(RuleKind.PassiveWatch, 2), Label(Handshaken)));
        flows.Add(new(RefusalTable, 50, Ipv4(OxmField.IpProto(IpProtoTcp)), Cookies.Of(RuleKind.PassiveWatch, 4), Label(Handshaken | Served)));
        flows.Add(new(RefusalTable, 0, Match.Any, Cookies.Of(RuleKind.PassiveWatch, 3), InstructionList.Empty));
    }

    /// <summary>The report of a server's refusal to the firmware, metered; the active server's also triggers the switch's reflex.</summary>
    private InstructionList Report(int priority, IReadOnlyList<int> order)
    {
        var controller = new NxControllerAction(MaxLen: RefusalBytes, MeterId: MeterOf(priority));
        return Reflex(priority, order) is { } learn ? InstructionList.Apply(learn, controller) : InstructionList.Apply(controller);
    }

    private InstructionList Label(UInt128 label) => InstructionList.Apply(
        new NxConntrackAction(NxConntrackFlags.Commit, PinZone, NxConntrackAction.NoRecirc, ActionList.Of(new SetFieldAction(OxmField.CtLabel(label)))));

    private List<MeterEntry> Meters()
    {
        if (!Passive.Watching) return [];
        return [.. Enumerable.Range(0, config.Servers.Count).Select(p =>
            new MeterEntry(MeterOf(p), OfpMeterFlags.Pktps | OfpMeterFlags.Burst, [MeterBand.Drop(RefusalRate, RefusalBurst)]))];
    }
}
