namespace Appliance.OpenFlow;

/// <summary>Counters of one bucket (<c>ofp_bucket_counter</c>).</summary>
public readonly record struct BucketCounter(ulong PacketCount, ulong ByteCount);

/// <summary>One group's counters (<c>ofp_group_stats</c>).</summary>
public sealed record GroupStats(
    uint GroupId, uint RefCount, ulong PacketCount, ulong ByteCount, uint DurationSec, uint DurationNsec, ValueList<BucketCounter> Buckets) : IOfpMultipartEntry
{
    private const int FixedLength = 40;

    public int Length => FixedLength + Buckets.Count * 16;

    public void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Length);
        w.WriteZeros(2);
        w.WriteUInt32(GroupId);
        w.WriteUInt32(RefCount);
        w.WriteZeros(4);
        w.WriteUInt64(PacketCount);
        w.WriteUInt64(ByteCount);
        w.WriteUInt32(DurationSec);
        w.WriteUInt32(DurationNsec);
        foreach (var bucket in Buckets)
        {
            w.WriteUInt64(bucket.PacketCount);
            w.WriteUInt64(bucket.ByteCount);
        }
    }

    /// <summary>Reads the entry after its length field.</summary>
    internal static GroupStats Read(ref OfpReader r)
    {
        r.Skip(2);
        var group = r.ReadUInt32();
        var refCount = r.ReadUInt32();
        r.Skip(4);
        var packets = r.ReadUInt64();
        var bytes = r.ReadUInt64();
        var durationSec = r.ReadUInt32();
        var durationNsec = r.ReadUInt32();
        var counters = Multipart.ReadFixed(ref r, 16, static (ref OfpReader c) => new BucketCounter(c.ReadUInt64(), c.ReadUInt64()), "ofp_bucket_counter");
        return new GroupStats(group, refCount, packets, bytes, durationSec, durationNsec, counters);
    }
}

/// <summary><c>OFPMP_GROUP</c> request.</summary>
public readonly record struct GroupStatsRequest() : IOfpMessage<GroupStatsRequest>
{
    /// <summary>The group to report, or <see cref="OfpGroup.All"/>.</summary>
    public uint GroupId { get; init; } = OfpGroup.All;

    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Group;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + 8;

    public void WriteBody(ref OfpWriter w)
    {
        Multipart.WriteHeader(ref w, OfpMultipartType.Group, OfpMultipartFlags.None);
        w.WriteUInt32(GroupId);
        w.WriteZeros(4);
    }

    public static GroupStatsRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        var group = r.ReadUInt32();
        r.Skip(4);
        return new GroupStatsRequest { GroupId = group };
    }
}

/// <summary><c>OFPMP_GROUP</c> reply.</summary>
public readonly record struct GroupStatsReply(OfpMultipartFlags Flags, ValueList<GroupStats> Entries)
    : IOfpMultipartReply<GroupStatsReply, GroupStats>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Group;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static GroupStatsReply FromEntries(ValueList<GroupStats> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.Group, Flags, Entries);

    public static GroupStatsReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new GroupStatsReply(flags, Multipart.ReadSized(ref r, GroupStats.Read, "ofp_group_stats.length"));
    }
}

/// <summary>One group's definition (<c>ofp_group_desc</c>).</summary>
public sealed record GroupDesc(OfpGroupType GroupType, uint GroupId, ValueList<Bucket> Buckets) : IOfpMultipartEntry
{
    public int Length => 8 + Bucket.ListLength(Buckets);

    public void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Length);
        w.WriteByte((byte)GroupType);
        w.WriteZeros(1);
        w.WriteUInt32(GroupId);
        foreach (var bucket in Buckets) bucket.Write(ref w);
    }

    /// <summary>Reads the entry after its length field.</summary>
    internal static GroupDesc Read(ref OfpReader r)
    {
        var type = (OfpGroupType)r.ReadByte();
        r.Skip(1);
        var group = r.ReadUInt32();
        var buckets = Bucket.ReadList(ref r, r.Remaining);
        return new GroupDesc(type, group, buckets);
    }

    public override string ToString() => $"group_id={GroupId},type={GroupType},{string.Join(",", Buckets)}";
}

/// <summary><c>OFPMP_GROUP_DESC</c> request.</summary>
public readonly record struct GroupDescRequest : IOfpMessage<GroupDescRequest>
{
    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.GroupDesc;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength;

    public void WriteBody(ref OfpWriter w) => Multipart.WriteHeader(ref w, OfpMultipartType.GroupDesc, OfpMultipartFlags.None);

    public static GroupDescRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return default;
    }
}

/// <summary><c>OFPMP_GROUP_DESC</c> reply.</summary>
public readonly record struct GroupDescReply(OfpMultipartFlags Flags, ValueList<GroupDesc> Entries)
    : IOfpMultipartReply<GroupDescReply, GroupDesc>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.GroupDesc;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static GroupDescReply FromEntries(ValueList<GroupDesc> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.GroupDesc, Flags, Entries);

    public static GroupDescReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new GroupDescReply(flags, Multipart.ReadSized(ref r, GroupDesc.Read, "ofp_group_desc.length"));
    }
}
