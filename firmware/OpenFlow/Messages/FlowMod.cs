namespace Appliance.OpenFlow;

/// <summary>
/// <c>OFPT_FLOW_MOD</c>. Defaults are those of <c>ovs-ofctl add-flow</c>: table 0, priority 32768,
/// no buffer, any out port and group.
/// </summary>
public readonly record struct FlowMod() : IOfpMessage<FlowMod>
{
    public const ushort DefaultPriority = 0x8000;

    public ulong Cookie { get; init; }

    public ulong CookieMask { get; init; }

    public byte TableId { get; init; }

    public OfpFlowModCommand Command { get; init; } = OfpFlowModCommand.Add;

    public ushort IdleTimeout { get; init; }

    public ushort HardTimeout { get; init; }

    public ushort Priority { get; init; } = DefaultPriority;

    public uint BufferId { get; init; } = OfpBuffer.NoBuffer;

    public uint OutPort { get; init; } = OfpPort.Any;

    public uint OutGroup { get; init; } = OfpGroup.Any;

    public OfpFlowModFlags Flags { get; init; }

    public Match Match { get; init; }

    public InstructionList Instructions { get; init; }

    public static OfpType MessageType => OfpType.FlowMod;

    public OfpType Type => MessageType;

    public int BodyLength => 40 + Match.EncodedLength + Instructions.EncodedLength;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt64(Cookie);
        w.WriteUInt64(CookieMask);
        w.WriteByte(TableId);
        w.WriteByte((byte)Command);
        w.WriteUInt16(IdleTimeout);
        w.WriteUInt16(HardTimeout);
        w.WriteUInt16(Priority);
        w.WriteUInt32(BufferId);
        w.WriteUInt32(OutPort);
        w.WriteUInt32(OutGroup);
        w.WriteUInt16((ushort)Flags);
        w.WriteZeros(2);
        Match.Write(ref w);
        Instructions.Write(ref w);
    }

    public static FlowMod ReadBody(ref OfpReader r)
    {
        var cookie = r.ReadUInt64();
        var cookieMask = r.ReadUInt64();
        var tableId = r.ReadByte();
        var command = r.ReadByte();
        var idle = r.ReadUInt16();
        var hard = r.ReadUInt16();
        var priority = r.ReadUInt16();
        var bufferId = r.ReadUInt32();
        var outPort = r.ReadUInt32();
        var outGroup = r.ReadUInt32();
        var flags = r.ReadUInt16();
        r.Skip(2);
        if (r.Ok && command > (byte)OfpFlowModCommand.DeleteStrict) r.Fail(OfpErrorCode.Of(OfpFlowModFailedCode.BadCommand), "ofp_flow_mod.command");
        if (r.Ok && (flags & ~0x1f) != 0) r.Fail(OfpErrorCode.Of(OfpFlowModFailedCode.BadFlags), "ofp_flow_mod.flags");
        var match = Match.Read(ref r);
        var instructions = InstructionList.Read(ref r, r.Remaining);
        return new FlowMod
        {
            Cookie = cookie, CookieMask = cookieMask, TableId = tableId, Command = (OfpFlowModCommand)command,
            IdleTimeout = idle, HardTimeout = hard, Priority = priority, BufferId = bufferId,
            OutPort = outPort, OutGroup = outGroup, Flags = (OfpFlowModFlags)flags, Match = match, Instructions = instructions,
        };
    }

    public override string ToString() =>
        $"{Command} cookie=0x{Cookie:x} table={TableId} priority={Priority} {Match} actions={Instructions}";
}
