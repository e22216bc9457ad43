namespace Appliance.OpenFlow;

/// <summary>
/// The 8 bytes that follow the <c>ofp_header</c> of every MULTIPART_REQUEST and MULTIPART_REPLY:
/// type, flags (<see cref="OfpMultipartFlags.More"/> when the answer continues), padding.
/// </summary>
internal static class Multipart
{
    public const int HeaderLength = 8;

    public static void WriteHeader(ref OfpWriter w, OfpMultipartType type, OfpMultipartFlags flags)
    {
        w.WriteUInt16((ushort)type);
        w.WriteUInt16((ushort)flags);
        w.WriteZeros(4);
    }

    /// <summary>Reads the header; the type was already checked by <see cref="OfpCodec"/>.</summary>
    public static OfpMultipartFlags ReadHeader(ref OfpReader r)
    {
        r.Skip(2);
        var flags = (OfpMultipartFlags)r.ReadUInt16();
        r.Skip(4);
        return flags;
    }

    /// <summary>Reads fixed-size entries until the body ends.</summary>
    public static ValueList<T> ReadFixed<T>(ref OfpReader r, int entryLength, ReadEntry<T> read, string what)
    {
        if (r.Remaining % entryLength != 0)
        {
            r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadLen), what);
            return default;
        }
        var entries = new T[r.Remaining / entryLength];
        for (var i = 0; i < entries.Length && r.Ok; i++) entries[i] = read(ref r);
        return r.Ok ? new ValueList<T>(entries) : default;
    }

    /// <summary>
    /// Reads entries that carry their own 16-bit length, each in a bounded slice. The length is
    /// mostly the entry's first field, which <paramref name="read"/> then does not see; where
    /// <paramref name="lengthOffset"/> puts it further in (<c>ofp_meter_stats</c>), <paramref name="read"/>
    /// reads the whole entry.
    /// </summary>
    public static ValueList<T> ReadSized<T>(ref OfpReader r, ReadEntry<T> read, string what, int lengthOffset = 0)
    {
        var entries = new List<T>();
        while (r.Remaining > 0 && r.Ok)
        {
            var length = r.Remaining >= lengthOffset + 2 ? r.RemainingSpan[lengthOffset] << 8 | r.RemainingSpan[lengthOffset + 1] : 0;
            if (length < lengthOffset + 4)
            {
                r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadLen), what);
                break;
            }
            var entry = r.Slice(length, OfpErrorCode.Of(OfpBadRequestCode.BadLen), what);
            if (lengthOffset == 0) entry.Skip(2);
            var value = read(ref entry);
            entry.ExpectEnd(what);
            r.Absorb(entry);
            if (r.Ok) entries.Add(value);
        }
        return r.Ok ? new ValueList<T>([.. entries]) : default;
    }

    public delegate T ReadEntry<out T>(ref OfpReader r);

    public static int ReplyLength<T>(ValueList<T> entries)
        where T : IOfpMultipartEntry
    {
        var length = HeaderLength;
        foreach (var entry in entries) length += entry.Length;
        return length;
    }

    public static void WriteReply<T>(ref OfpWriter w, OfpMultipartType type, OfpMultipartFlags flags, ValueList<T> entries)
        where T : IOfpMultipartEntry
    {
        WriteHeader(ref w, type, flags);
        foreach (var entry in entries) entry.Write(ref w);
    }
}

/// <summary>One entry of a multipart reply's body: a flow, a group, a port, a table.</summary>
public interface IOfpMultipartEntry
{
    /// <summary>The entry's encoded length, with its padding and, where it has one, its own length field.</summary>
    int Length { get; }

    void Write(ref OfpWriter w);
}

/// <summary>A multipart reply made of entries, which may arrive split over several messages.</summary>
public interface IOfpMultipartReply<TSelf, TEntry> : IOfpMessage<TSelf>
    where TSelf : struct, IOfpMultipartReply<TSelf, TEntry>
{
    OfpMultipartFlags Flags { get; }

    ValueList<TEntry> Entries { get; }

    /// <summary>A reply holding these entries: how the channel joins the parts of a split reply.</summary>
    static abstract TSelf FromEntries(ValueList<TEntry> entries);
}
