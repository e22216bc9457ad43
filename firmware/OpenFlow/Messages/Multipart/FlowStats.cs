namespace Appliance.OpenFlow;

/// <summary>
/// The body shared by the FLOW and AGGREGATE requests (<c>ofp_flow_stats_request</c>): which flows
/// to describe. Defaults select every flow of every table.
/// </summary>
public readonly record struct FlowSelector()
{
    public byte TableId { get; init; } = OfpTable.All;

    public uint OutPort { get; init; } = OfpPort.Any;

    public uint OutGroup { get; init; } = OfpGroup.Any;

    public ulong Cookie { get; init; }

    public ulong CookieMask { get; init; }

    public Match Match { get; init; }

    internal int Length => 32 + Match.EncodedLength;

    internal void Write(ref OfpWriter w)
    {
        w.WriteByte(TableId);
        w.WriteZeros(3);
        w.WriteUInt32(OutPort);
        w.WriteUInt32(OutGroup);
        w.WriteZeros(4);
        w.WriteUInt64(Cookie);
        w.WriteUInt64(CookieMask);
        Match.Write(ref w);
    }

    internal static FlowSelector Read(ref OfpReader r)
    {
        var table = r.ReadByte();
        r.Skip(3);
        var outPort = r.ReadUInt32();
        var outGroup = r.ReadUInt32();
        r.Skip(4);
        var cookie = r.ReadUInt64();
        var cookieMask = r.ReadUInt64();
        var match = Match.Read(ref r);
        return new FlowSelector { TableId = table, OutPort = outPort, OutGroup = outGroup, Cookie = cookie, CookieMask = cookieMask, Match = match };
    }
}

/// <summary><c>OFPMP_FLOW</c> request.</summary>
public readonly record struct FlowStatsRequest(FlowSelector Selector) : IOfpMessage<FlowStatsRequest>
{
    public static FlowStatsRequest All => new(new FlowSelector());

    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Flow;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + Selector.Length;

    public void WriteBody(ref OfpWriter w)
    {
        Multipart.WriteHeader(ref w, OfpMultipartType.Flow, OfpMultipartFlags.None);
        Selector.Write(ref w);
    }

    public static FlowStatsRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return new FlowStatsRequest(FlowSelector.Read(ref r));
    }
}

/// <summary>One flow entry as the switch describes it (<c>ofp_flow_stats</c>).</summary>
public sealed record FlowStats(
    byte TableId, uint DurationSec, uint DurationNsec, ushort Priority, ushort IdleTimeout, ushort HardTimeout,
    OfpFlowModFlags Flags, ulong Cookie, ulong PacketCount, ulong ByteCount, Match Match, InstructionList Instructions) : IOfpMultipartEntry
{
    public int Length => 48 + Match.EncodedLength + Instructions.EncodedLength;

    public void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Length);
        w.WriteByte(TableId);
        w.WriteZeros(1);
        w.WriteUInt32(DurationSec);
        w.WriteUInt32(DurationNsec);
        w.WriteUInt16(Priority);
        w.WriteUInt16(IdleTimeout);
        w.WriteUInt16(HardTimeout);
        w.WriteUInt16((ushort)Flags);
        w.WriteZeros(4);
        w.WriteUInt64(Cookie);
        w.WriteUInt64(PacketCount);
        w.WriteUInt64(ByteCount);
        Match.Write(ref w);
        Instructions.Write(ref w);
    }

    /// <summary>Reads the entry after its length field.</summary>
    internal static FlowStats Read(ref OfpReader r)
    {
        var table = r.ReadByte();
        r.Skip(1);
        var durationSec = r.ReadUInt32();
        var durationNsec = r.ReadUInt32();
        var priority = r.ReadUInt16();
        var idle = r.ReadUInt16();
        var hard = r.ReadUInt16();
        var flags = (OfpFlowModFlags)r.ReadUInt16();
        r.Skip(4);
        var cookie = r.ReadUInt64();
        var packets = r.ReadUInt64();
        var bytes = r.ReadUInt64();
        var match = Match.Read(ref r);
        var instructions = InstructionList.Read(ref r, r.Remaining);
        return new FlowStats(table, durationSec, durationNsec, priority, idle, hard, flags, cookie, packets, bytes, match, instructions);
    }

    public override string ToString() =>
        $"cookie=0x{Cookie:x}, table={TableId}, n_packets={PacketCount}, priority={Priority},{Match} actions={Instructions}";
}

/// <summary><c>OFPMP_FLOW</c> reply.</summary>
public readonly record struct FlowStatsReply(OfpMultipartFlags Flags, ValueList<FlowStats> Entries)
    : IOfpMultipartReply<FlowStatsReply, FlowStats>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Flow;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static FlowStatsReply FromEntries(ValueList<FlowStats> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.Flow, Flags, Entries);

    public static FlowStatsReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new FlowStatsReply(flags, Multipart.ReadSized(ref r, FlowStats.Read, "ofp_flow_stats.length"));
    }
}

/// <summary><c>OFPMP_AGGREGATE</c> request.</summary>
public readonly record struct AggregateStatsRequest(FlowSelector Selector) : IOfpMessage<AggregateStatsRequest>
{
    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Aggregate;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + Selector.Length;

    public void WriteBody(ref OfpWriter w)
    {
        Multipart.WriteHeader(ref w, OfpMultipartType.Aggregate, OfpMultipartFlags.None);
        Selector.Write(ref w);
    }

    public static AggregateStatsRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return new AggregateStatsRequest(FlowSelector.Read(ref r));
    }
}

/// <summary><c>OFPMP_AGGREGATE</c> reply.</summary>
public readonly record struct AggregateStatsReply(ulong PacketCount, ulong ByteCount, uint FlowCount) : IOfpMessage<AggregateStatsReply>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Aggregate;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + 24;

    public void WriteBody(ref OfpWriter w)
    {
        Multipart.WriteHeader(ref w, OfpMultipartType.Aggregate, OfpMultipartFlags.None);
        w.WriteUInt64(PacketCount);
        w.WriteUInt64(ByteCount);
        w.WriteUInt32(FlowCount);
        w.WriteZeros(4);
    }

    public static AggregateStatsReply ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        var packets = r.ReadUInt64();
        var bytes = r.ReadUInt64();
        var flows = r.ReadUInt32();
        r.Skip(4);
        return new AggregateStatsReply(packets, bytes, flows);
    }
}
