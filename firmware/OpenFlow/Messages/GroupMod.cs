namespace Appliance.OpenFlow;

/// <summary>
/// <c>ofp_bucket</c>. For a fast-failover group the switch uses the first bucket whose
/// <see cref="WatchPort"/> (or <see cref="WatchGroup"/>) is live.
/// </summary>
public sealed record Bucket(ActionList Actions, uint WatchPort = OfpPort.Any, uint WatchGroup = OfpGroup.Any, ushort Weight = 0)
{
    private const int FixedLength = 16;

    public int EncodedLength => FixedLength + Actions.EncodedLength;

    internal void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)EncodedLength);
        w.WriteUInt16(Weight);
        w.WriteUInt32(WatchPort);
        w.WriteUInt32(WatchGroup);
        w.WriteZeros(4);
        Actions.Write(ref w);
    }

    internal static Bucket? Read(ref OfpReader r)
    {
        var length = r.ReadUInt16();
        if (r.Ok && (length < FixedLength || length % 8 != 0))
        {
            r.Fail(OfpErrorCode.Of(OfpGroupModFailedCode.BadBucket), "ofp_bucket.len");
            return null;
        }
        var bucket = r.Slice(length - 2, OfpErrorCode.Of(OfpGroupModFailedCode.BadBucket), "ofp_bucket.len");
        var weight = bucket.ReadUInt16();
        var watchPort = bucket.ReadUInt32();
        var watchGroup = bucket.ReadUInt32();
        bucket.Skip(4);
        var actions = ActionList.Read(ref bucket, bucket.Remaining);
        r.Absorb(bucket);
        return r.Ok ? new Bucket(actions, watchPort, watchGroup, weight) : null;
    }

    internal static ValueList<Bucket> ReadList(ref OfpReader r, int length)
    {
        var list = r.Slice(length, OfpErrorCode.Of(OfpGroupModFailedCode.BadBucket), "buckets");
        var buckets = new List<Bucket>();
        while (list.Remaining > 0 && list.Ok)
        {
            if (Read(ref list) is { } bucket) buckets.Add(bucket);
        }
        r.Absorb(list);
        return new ValueList<Bucket>([.. buckets]);
    }

    internal static int ListLength(ValueList<Bucket> buckets)
    {
        var length = 0;
        foreach (var bucket in buckets) length += bucket.EncodedLength;
        return length;
    }

    public override string ToString()
    {
        var watch = WatchPort == OfpPort.Any ? "" : $"watch_port:{OfpPort.Name(WatchPort)},";
        if (WatchGroup != OfpGroup.Any) watch += $"watch_group:{WatchGroup},";
        var weight = Weight == 0 ? "" : $"weight:{Weight},";
        return $"bucket={weight}{watch}actions={Actions}";
    }
}

/// <summary><c>OFPT_GROUP_MOD</c>.</summary>
public readonly record struct GroupMod(OfpGroupModCommand Command, OfpGroupType GroupType, uint GroupId, ValueList<Bucket> Buckets)
    : IOfpMessage<GroupMod>
{
    public static OfpType MessageType => OfpType.GroupMod;

    public OfpType Type => MessageType;

    public int BodyLength => 8 + Bucket.ListLength(Buckets);

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Command);
        w.WriteByte((byte)GroupType);
        w.WriteByte(0);
        w.WriteUInt32(GroupId);
        foreach (var bucket in Buckets) bucket.Write(ref w);
    }

    public static GroupMod ReadBody(ref OfpReader r)
    {
        var command = r.ReadUInt16();
        var type = r.ReadByte();
        r.Skip(1);
        var groupId = r.ReadUInt32();
        if (r.Ok && command > (ushort)OfpGroupModCommand.Delete) r.Fail(OfpErrorCode.Of(OfpGroupModFailedCode.BadCommand), "ofp_group_mod.command");
        if (r.Ok && type > (byte)OfpGroupType.FastFailover) r.Fail(OfpErrorCode.Of(OfpGroupModFailedCode.BadType), "ofp_group_mod.type");
        var buckets = Bucket.ReadList(ref r, r.Remaining);
        return new GroupMod((OfpGroupModCommand)command, (OfpGroupType)type, groupId, buckets);
    }

    public override string ToString() => $"{Command} group_id={GroupId},type={GroupType},{string.Join(",", Buckets)}";
}
