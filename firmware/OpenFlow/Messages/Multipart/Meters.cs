using System.Globalization;
using System.Text;

namespace Appliance.OpenFlow;

/// <summary>One meter's definition (<c>ofp_meter_config</c>), as a METER_CONFIG reply reports it.</summary>
public sealed record MeterConfig(OfpMeterFlags Flags, uint MeterId, ValueList<MeterBand> Bands) : IOfpMultipartEntry
{
    public int Length => 8 + Bands.Count * MeterBand.Size;

    public void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Length);
        w.WriteUInt16((ushort)Flags);
        w.WriteUInt32(MeterId);
        foreach (var band in Bands) band.Write(ref w);
    }

    /// <summary>Reads the entry after its length field.</summary>
    internal static MeterConfig Read(ref OfpReader r)
    {
        var flags = (OfpMeterFlags)r.ReadUInt16();
        var meterId = r.ReadUInt32();
        var bands = MeterBand.ReadList(ref r, r.Remaining);
        return new MeterConfig(flags, meterId, bands);
    }

    /// <summary>As <c>ovs-ofctl</c> (<c>ofputil_format_meter_config</c>), bands on the same line.</summary>
    internal static string Describe(OfpMeterFlags flags, uint meterId, ValueList<MeterBand> bands)
    {
        var text = new StringBuilder("meter=").Append(OfpMeter.Name(meterId)).Append(' ');
        if (flags.HasFlag(OfpMeterFlags.Kbps)) text.Append("kbps ");
        if (flags.HasFlag(OfpMeterFlags.Pktps)) text.Append("pktps ");
        if (flags.HasFlag(OfpMeterFlags.Burst)) text.Append("burst ");
        if (flags.HasFlag(OfpMeterFlags.Stats)) text.Append("stats ");
        var unknown = (ushort)flags & ~0xf;
        if (unknown != 0) text.Append(CultureInfo.InvariantCulture, $"flags:0x{unknown:x} ");
        text.Append("bands=");
        return text.AppendJoin(' ', bands.Select(b => b.ToString(flags))).ToString();
    }

    public override string ToString() => Describe(Flags, MeterId, Bands);
}

/// <summary><c>OFPMP_METER_CONFIG</c> request.</summary>
public readonly record struct MeterConfigRequest() : IOfpMessage<MeterConfigRequest>
{
    /// <summary>The meter to describe, or <see cref="OfpMeter.All"/>. OVS answers OFPMMFC_UNKNOWN_METER for a missing one.</summary>
    public uint MeterId { get; init; } = OfpMeter.All;

    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.MeterConfig;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + 8;

    public void WriteBody(ref OfpWriter w) => MeterRequestBody.Write(ref w, OfpMultipartType.MeterConfig, MeterId);

    public static MeterConfigRequest ReadBody(ref OfpReader r) => new() { MeterId = MeterRequestBody.Read(ref r) };

    public override string ToString() => $"meter={OfpMeter.Name(MeterId)}";
}

/// <summary><c>OFPMP_METER_CONFIG</c> reply.</summary>
public readonly record struct MeterConfigReply(OfpMultipartFlags Flags, ValueList<MeterConfig> Entries)
    : IOfpMultipartReply<MeterConfigReply, MeterConfig>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.MeterConfig;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static MeterConfigReply FromEntries(ValueList<MeterConfig> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.MeterConfig, Flags, Entries);

    public static MeterConfigReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new MeterConfigReply(flags, Multipart.ReadSized(ref r, MeterConfig.Read, "ofp_meter_config.length"));
    }
}

/// <summary>What the switch's meters can do (<c>ofp_meter_features</c>).</summary>
/// <param name="BandTypes">Bitmap of the band types supported: bit <c>1 &lt;&lt; type</c>.</param>
/// <param name="Capabilities">The meter flags supported.</param>
public readonly record struct MeterFeatures(uint MaxMeter, uint BandTypes, OfpMeterFlags Capabilities, byte MaxBands, byte MaxColor)
{
    internal const int Size = 16;

    internal void Write(ref OfpWriter w)
    {
        w.WriteUInt32(MaxMeter);
        w.WriteUInt32(BandTypes);
        w.WriteUInt32((uint)Capabilities);
        w.WriteByte(MaxBands);
        w.WriteByte(MaxColor);
        w.WriteZeros(2);
    }

    internal static MeterFeatures Read(ref OfpReader r)
    {
        var maxMeter = r.ReadUInt32();
        var bandTypes = r.ReadUInt32();
        var capabilities = r.ReadUInt32();
        var maxBands = r.ReadByte();
        var maxColor = r.ReadByte();
        r.Skip(2);
        return new MeterFeatures(maxMeter, bandTypes, (OfpMeterFlags)capabilities, maxBands, maxColor);
    }
}

/// <summary><c>OFPMP_METER_FEATURES</c> request.</summary>
public readonly record struct MeterFeaturesRequest : IOfpMessage<MeterFeaturesRequest>
{
    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.MeterFeatures;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength;

    public void WriteBody(ref OfpWriter w) => Multipart.WriteHeader(ref w, OfpMultipartType.MeterFeatures, OfpMultipartFlags.None);

    public static MeterFeaturesRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return default;
    }
}

/// <summary><c>OFPMP_METER_FEATURES</c> reply.</summary>
public readonly record struct MeterFeaturesReply(MeterFeatures Features) : IOfpMessage<MeterFeaturesReply>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.MeterFeatures;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + MeterFeatures.Size;

    public void WriteBody(ref OfpWriter w)
    {
        Multipart.WriteHeader(ref w, OfpMultipartType.MeterFeatures, OfpMultipartFlags.None);
        Features.Write(ref w);
    }

    public static MeterFeaturesReply ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return new MeterFeaturesReply(MeterFeatures.Read(ref r));
    }
}

/// <summary>Counters of one band (<c>ofp_meter_band_stats</c>): the packets and bytes above its rate.</summary>
public readonly record struct MeterBandStats(ulong PacketBandCount, ulong ByteBandCount);

/// <summary>One meter's counters (<c>ofp_meter_stats</c>).</summary>
public sealed record MeterStats(
    uint MeterId, uint FlowCount, ulong PacketInCount, ulong ByteInCount, uint DurationSec, uint DurationNsec, ValueList<MeterBandStats> Bands)
    : IOfpMultipartEntry
{
    private const int FixedLength = 40;

    /// <summary>Where <c>ofp_meter_stats.len</c> is: after the meter id, unlike other entries' lengths.</summary>
    internal const int LengthOffset = 4;

    public int Length => FixedLength + Bands.Count * 16;

    public void Write(ref OfpWriter w)
    {
        w.WriteUInt32(MeterId);
        w.WriteUInt16((ushort)Length);
        w.WriteZeros(6);
        w.WriteUInt32(FlowCount);
        w.WriteUInt64(PacketInCount);
        w.WriteUInt64(ByteInCount);
        w.WriteUInt32(DurationSec);
        w.WriteUInt32(DurationNsec);
        foreach (var band in Bands)
        {
            w.WriteUInt64(band.PacketBandCount);
            w.WriteUInt64(band.ByteBandCount);
        }
    }

    /// <summary>Reads the whole entry, its length field included.</summary>
    internal static MeterStats Read(ref OfpReader r)
    {
        var meterId = r.ReadUInt32();
        r.Skip(2 + 6);
        var flowCount = r.ReadUInt32();
        var packets = r.ReadUInt64();
        var bytes = r.ReadUInt64();
        var durationSec = r.ReadUInt32();
        var durationNsec = r.ReadUInt32();
        var bands = Multipart.ReadFixed(ref r, 16, static (ref OfpReader b) => new MeterBandStats(b.ReadUInt64(), b.ReadUInt64()), "ofp_meter_band_stats");
        return new MeterStats(meterId, flowCount, packets, bytes, durationSec, durationNsec, bands);
    }
}

/// <summary><c>OFPMP_METER</c> request.</summary>
public readonly record struct MeterStatsRequest() : IOfpMessage<MeterStatsRequest>
{
    /// <summary>The meter to report, or <see cref="OfpMeter.All"/>.</summary>
    public uint MeterId { get; init; } = OfpMeter.All;

    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Meter;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + 8;

    public void WriteBody(ref OfpWriter w) => MeterRequestBody.Write(ref w, OfpMultipartType.Meter, MeterId);

    public static MeterStatsRequest ReadBody(ref OfpReader r) => new() { MeterId = MeterRequestBody.Read(ref r) };

    public override string ToString() => $"meter={OfpMeter.Name(MeterId)}";
}

/// <summary><c>OFPMP_METER</c> reply.</summary>
public readonly record struct MeterStatsReply(OfpMultipartFlags Flags, ValueList<MeterStats> Entries)
    : IOfpMultipartReply<MeterStatsReply, MeterStats>
{
    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Meter;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.ReplyLength(Entries);

    public static MeterStatsReply FromEntries(ValueList<MeterStats> entries) => new(OfpMultipartFlags.None, entries);

    public void WriteBody(ref OfpWriter w) => Multipart.WriteReply(ref w, OfpMultipartType.Meter, Flags, Entries);

    public static MeterStatsReply ReadBody(ref OfpReader r)
    {
        var flags = Multipart.ReadHeader(ref r);
        return new MeterStatsReply(flags, Multipart.ReadSized(ref r, MeterStats.Read, "ofp_meter_stats.len", MeterStats.LengthOffset));
    }
}

/// <summary><c>ofp_meter_multipart_request</c>: the body of the METER and METER_CONFIG requests.</summary>
file static class MeterRequestBody
{
    public static void Write(ref OfpWriter w, OfpMultipartType type, uint meterId)
    {
        Multipart.WriteHeader(ref w, type, OfpMultipartFlags.None);
        w.WriteUInt32(meterId);
        w.WriteZeros(4);
    }

    public static uint Read(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        var meterId = r.ReadUInt32();
        r.Skip(4);
        return meterId;
    }
}
