using Appliance.Config;

namespace Appliance.Pipeline;

/// <summary>
/// Passive health: the switch hands the firmware the refusals servers send to new connections on the
/// service's ports, a few hundred a second per server at most, while the packets themselves go on
/// to the client as before.
/// </summary>
/// <remarks>
/// A refusal is the server's own answer to a connection it never answered: a TCP reset of a
/// connection (in the pin zone) whose handshake it has not answered (a SYN refused: no listener),
/// or ICMP port or host unreachable related to a UDP flow. The connection's first other answer (the
/// SYN-ACK) sets bit 0 of its <c>ct_label</c> in the pin zone, and its packets skip table 8 from
/// then on: a reset of a connection the server accepted is never reported, whether an application
/// aborts it on purpose or a busy server's kernel drops a handshake it had no room to finish (that
/// reset comes without ACK, as does the one of a listener that died mid-handshake: they cannot be
/// told apart, so neither counts). Only replies from a server's port reach table 6, past the guard,
/// so nothing the office sends can pose as a refusal. The report goes through the server's meter (a
/// datapath meter in front of the controller action alone): a flood of refusals costs the switch
/// nothing beyond the meter, and the firmware a few hundred messages a second at most. The active
/// server's refusals also trigger the switch's own reflex (RuleBuilder.Reflex.cs).
/// </remarks>
public sealed partial class RuleBuilder
{
    private const byte RefusalTable = 8;
    private const byte IpProtoIcmp = 1;
    private const byte IpProtoTcp = 6;
    private const byte IpProtoUdp = 17;
    private const ushort TcpRst = 0x004;
    private const byte IcmpUnreachable = 3;
    private const byte IcmpHostUnreachable = 1;
    private const byte IcmpPortUnreachable = 3;

    /// <summary>ct_state bits (OVS): tracked, invalid, reply direction, related.</summary>
    private const uint CtTracked = 0x20, CtInvalid = 0x10, CtReply = 0x08, CtRelated = 0x04;

    /// <summary>Bit 0 of a connection's <c>ct_label</c> in the pin zone: a server answered it (not with a reset).</summary>
    private static readonly UInt128 Answered = 1;

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
            // Not yet answered, TCP: its first answer is marked, a reset reported (table 8).
            flows.Add(new(ReplyOutTable, 100,
                Ipv4(OxmField.CtState(CtTracked | CtReply, CtTracked | CtReply), OxmField.CtNwProto(IpProtoTcp), OxmField.CtTpDst(port), OxmField.CtLabel(0, Answered)),
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
                Ipv4(inPort, OxmField.IpProto(IpProtoTcp), OxmField.TcpFlags(TcpRst, TcpRst), tracked, OxmField.CtNwProto(IpProtoTcp)),
                Cookies.Of(RuleKind.Refusal, server.Port), report));
            foreach (var code in (ReadOnlySpan<byte>)[IcmpHostUnreachable, IcmpPortUnreachable])
            {
                flows.Add(new(RefusalTable, 100,
                    Ipv4(inPort, OxmField.IpProto(IpProtoIcmp), OxmField.Icmpv4Type(IcmpUnreachable), OxmField.Icmpv4Code(code), tracked, OxmField.CtNwProto(IpProtoUdp)),
                    Cookies.Of(RuleKind.Refusal, server.Port), report));
            }
        }
        // Any other first answer of a TCP connection: from now on its resets are not refusals.
        flows.Add(new(RefusalTable, 50, Ipv4(OxmField.IpProto(IpProtoTcp)), Cookies.Of(RuleKind.PassiveWatch, 2), Label(Answered)));
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
