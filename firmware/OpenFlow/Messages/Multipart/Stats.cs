namespace Appliance.OpenFlow;

/// <summary>One table's counters (<c>ofp_table_stats</c>).</summary>
public readonly record struct TableStats(byte TableId, uint ActiveCount, ulong LookupCount, ulong MatchedCount) : IOfpMultipartEntry
{
    internal const int Size = 24;

    public int Length => Size;

    public void Write(ref OfpWriter w)
    {
        w.WriteByte(TableId);
        w.WriteZeros(3);
        w.WriteUInt32(ActiveCount);
        w.WriteUInt64(LookupCount);
        w.WriteUInt64(MatchedCount);
    }

    internal static TableStats Read(ref OfpReader r)
    {
        var table = r.ReadByte();
        r.Skip(3);
        return new TableStats(table, r.ReadUInt32(), r.ReadUInt64(), r.ReadUInt64());
    }
}

/// <summary><c>OFPMP_TABLE</c> request.</summary>
public readonly record struct TableStatsRequest : IOfpMessage<TableStatsRequest>
{
    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Table;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength;

    public void WriteBody(ref OfpWriter w) => Multipart.WriteHeader(ref w, OfpMultipartType.Table, OfpMultipartFlags.None);

    public static TableStatsRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return default;
    }
}

/// <summary><c>OFPMP_TABLE</c> reply.</summary>
public readonly record struct TableStatsReply(OfpMultipartFlags Flags, ValueList<TableStats> Entries)
    : IOfpMultipartReply<TableStatsReply, TableStats>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Table;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static TableStatsReply FromEntries(ValueList<TableStats> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.Table, Flags, Entries);

    public static TableStatsReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new TableStatsReply(flags, Multipart.ReadFixed(ref r, TableStats.Size, TableStats.Read, "ofp_table_stats"));
    }
}

/// <summary>One port's counters (<c>ofp_port_stats</c>).</summary>
public readonly record struct PortStats(
    uint PortNo, ulong RxPackets, ulong TxPackets, ulong RxBytes, ulong TxBytes, ulong RxDropped, ulong TxDropped,
    ulong RxErrors, ulong TxErrors, ulong RxFrameErr, ulong RxOverErr, ulong RxCrcErr, ulong Collisions,
    uint DurationSec, uint DurationNsec) : IOfpMultipartEntry
{
    internal const int Size = 112;

    public int Length => Size;

    public void Write(ref OfpWriter w)
    {
        w.WriteUInt32(PortNo);
        w.WriteZeros(4);
        w.WriteUInt64(RxPackets);
        w.WriteUInt64(TxPackets);
        w.WriteUInt64(RxBytes);
        w.WriteUInt64(TxBytes);
        w.WriteUInt64(RxDropped);
        w.WriteUInt64(TxDropped);
        w.WriteUInt64(RxErrors);
        w.WriteUInt64(TxErrors);
        w.WriteUInt64(RxFrameErr);
        w.WriteUInt64(RxOverErr);
        w.WriteUInt64(RxCrcErr);
        w.WriteUInt64(Collisions);
        w.WriteUInt32(DurationSec);
        w.WriteUInt32(DurationNsec);
    }

    internal static PortStats Read(ref OfpReader r)
    {
        var port = r.ReadUInt32();
        r.Skip(4);
        return new PortStats(
            port, r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(),
            r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(),
            r.ReadUInt32(), r.ReadUInt32());
    }
}

/// <summary><c>OFPMP_PORT_STATS</c> request.</summary>
public readonly record struct PortStatsRequest() : IOfpMessage<PortStatsRequest>
{
    /// <summary>The port to report, or <see cref="OfpPort.Any"/> for all.</summary>
    public uint PortNo { get; init; } = OfpPort.Any;

    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.PortStats;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + 8;

    public void WriteBody(ref OfpWriter w)
    {
        Multipart.WriteHeader(ref w, OfpMultipartType.PortStats, OfpMultipartFlags.None);
        w.WriteUInt32(PortNo);
        w.WriteZeros(4);
    }

    public static PortStatsRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        var port = r.ReadUInt32();
        r.Skip(4);
        return new PortStatsRequest { PortNo = port };
    }
}

/// <summary><c>OFPMP_PORT_STATS</c> reply.</summary>
public readonly record struct PortStatsReply(OfpMultipartFlags Flags, ValueList<PortStats> Entries)
    : IOfpMultipartReply<PortStatsReply, PortStats>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.PortStats;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static PortStatsReply FromEntries(ValueList<PortStats> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.PortStats, Flags, Entries);

    public static PortStatsReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new PortStatsReply(flags, Multipart.ReadFixed(ref r, PortStats.Size, PortStats.Read, "ofp_port_stats"));
    }
}

/// <summary><c>OFPMP_PORT_DESC</c> request.</summary>
public readonly record struct PortDescRequest : IOfpMessage<PortDescRequest>
{
    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.PortDesc;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength;

    public void WriteBody(ref OfpWriter w) => Multipart.WriteHeader(ref w, OfpMultipartType.PortDesc, OfpMultipartFlags.None);

    public static PortDescRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return default;
    }
}

/// <summary><c>OFPMP_PORT_DESC</c> reply: every port of the switch.</summary>
public readonly record struct PortDescReply(OfpMultipartFlags Flags, ValueList<OfpPortDesc> Entries)
    : IOfpMultipartReply<PortDescReply, OfpPortDesc>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.PortDesc;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static PortDescReply FromEntries(ValueList<OfpPortDesc> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.PortDesc, Flags, Entries);

    public static PortDescReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new PortDescReply(flags, Multipart.ReadFixed(ref r, OfpPortDesc.Size, OfpPortDesc.Read, "ofp_port"));
    }
}
