using System.Globalization;

namespace Appliance.OpenFlow;

/// <summary>
/// One band of a meter (<c>ofp_meter_band_drop</c>, <c>_dscp_remark</c>, <c>_experimenter</c>): what
/// happens to packets above <see cref="Rate"/>. Every band type is 16 bytes on the wire.
/// </summary>
/// <param name="Rate">In kb/s or packets/s, as the meter's flags say.</param>
/// <param name="BurstSize">In kilobits or packets; used when the meter has <see cref="OfpMeterFlags.Burst"/>.</param>
/// <param name="PrecLevel">For <see cref="OfpMeterBandType.DscpRemark"/>: by how much to raise the drop precedence.</param>
/// <param name="Experimenter">For <see cref="OfpMeterBandType.Experimenter"/>: whose band it is.</param>
public readonly record struct MeterBand(OfpMeterBandType Type, uint Rate, uint BurstSize, byte PrecLevel = 0, uint Experimenter = 0)
{
    internal const int Size = 16;

    // A field the band type has no room for would be lost on the wire: refuse it rather than change meaning.
    public byte PrecLevel { get; init; } = PrecLevel == 0 || Type == OfpMeterBandType.DscpRemark
        ? PrecLevel : throw new ArgumentException("only a dscp_remark band has a prec_level", nameof(PrecLevel));

    public uint Experimenter { get; init; } = Experimenter == 0 || Type == OfpMeterBandType.Experimenter
        ? Experimenter : throw new ArgumentException("only an experimenter band has an experimenter", nameof(Experimenter));

    /// <summary>Drops the packets above <paramref name="rate"/>.</summary>
    public static MeterBand Drop(uint rate, uint burstSize) => new(OfpMeterBandType.Drop, rate, burstSize);

    internal void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Type);
        w.WriteUInt16(Size);
        w.WriteUInt32(Rate);
        w.WriteUInt32(BurstSize);
        switch (Type)
        {
            case OfpMeterBandType.DscpRemark:
                w.WriteByte(PrecLevel);
                w.WriteZeros(3);
                break;
            case OfpMeterBandType.Experimenter:
                w.WriteUInt32(Experimenter);
                break;
            default:
                w.WriteZeros(4);
                break;
        }
    }

    /// <summary>
    /// Reads the bands that fill <paramref name="length"/> bytes, checked as Open vSwitch's
    /// <c>ofputil_pull_bands</c> does: every band 16 bytes (else BAD_LEN), of a known type (else
    /// OFPMMFC_BAD_BAND). OVS itself knows no experimenter bands; the codec takes them as the spec gives them.
    /// </summary>
    internal static ValueList<MeterBand> ReadList(ref OfpReader r, int length)
    {
        var list = r.Slice(length, OfpErrorCode.Of(OfpBadRequestCode.BadLen), "bands");
        var bands = new MeterBand[list.Remaining / Size];
        for (var i = 0; i < bands.Length && list.Ok; i++) bands[i] = Read(ref list);
        list.ExpectEnd("bands");
        r.Absorb(list);
        return r.Ok ? new ValueList<MeterBand>(bands) : default;
    }

    private static MeterBand Read(ref OfpReader r)
    {
        var type = (OfpMeterBandType)r.ReadUInt16();
        var length = r.ReadUInt16();
        if (r.Ok && length != Size)
        {
            r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadLen), "ofp_meter_band_header.len");
            return default;
        }
        if (r.Ok && type is not (OfpMeterBandType.Drop or OfpMeterBandType.DscpRemark or OfpMeterBandType.Experimenter))
        {
            r.Fail(OfpErrorCode.Of(OfpMeterModFailedCode.BadBand), "ofp_meter_band_header.type");
            return default;
        }
        var rate = r.ReadUInt32();
        var burst = r.ReadUInt32();
        byte precLevel = 0;
        uint experimenter = 0;
        switch (type)
        {
            case OfpMeterBandType.DscpRemark:
                precLevel = r.ReadByte();
                r.Skip(3);
                break;
            case OfpMeterBandType.Experimenter:
                experimenter = r.ReadUInt32();
                break;
            default:
                r.Skip(4);
                break;
        }
        return new MeterBand(type, rate, burst, precLevel, experimenter);
    }

    /// <summary>As <c>ovs-ofctl</c> (<c>ofputil_format_meter_band</c>): the burst size only where the meter uses it.</summary>
    public string ToString(OfpMeterFlags flags)
    {
        var type = Type switch
        {
            OfpMeterBandType.Drop => "drop",
            OfpMeterBandType.DscpRemark => "dscp_remark",
            _ => ((ushort)Type).ToString(CultureInfo.InvariantCulture),
        };
        var text = string.Create(CultureInfo.InvariantCulture, $"type={type} rate={Rate}");
        if (flags.HasFlag(OfpMeterFlags.Burst)) text += string.Create(CultureInfo.InvariantCulture, $" burst_size={BurstSize}");
        if (Type == OfpMeterBandType.DscpRemark) text += string.Create(CultureInfo.InvariantCulture, $" prec_level={PrecLevel}");
        return text;
    }

    public override string ToString() => ToString(OfpMeterFlags.Burst);
}

/// <summary>
/// <c>OFPT_METER_MOD</c>: adds, changes or removes a meter. Open vSwitch refuses an ADD of a meter
/// that exists (OFPMMFC_METER_EXISTS) and a MODIFY of one that does not (OFPMMFC_UNKNOWN_METER); a
/// DELETE of a missing meter is no error, and deleting a meter deletes the flows whose meter
/// instruction names it.
/// </summary>
public readonly record struct MeterMod(OfpMeterModCommand Command, OfpMeterFlags Flags, uint MeterId, ValueList<MeterBand> Bands)
    : IOfpMessage<MeterMod>
{
    private const OfpMeterFlags KnownFlags = OfpMeterFlags.Kbps | OfpMeterFlags.Pktps | OfpMeterFlags.Burst | OfpMeterFlags.Stats;

    public static OfpType MessageType => OfpType.MeterMod;

    public OfpType Type => MessageType;

    public int BodyLength => 8 + Bands.Count * MeterBand.Size;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Command);
        w.WriteUInt16((ushort)Flags);
        w.WriteUInt32(MeterId);
        foreach (var band in Bands) band.Write(ref w);
    }

    public static MeterMod ReadBody(ref OfpReader r)
    {
        var command = (OfpMeterModCommand)r.ReadUInt16();
        var flags = (OfpMeterFlags)r.ReadUInt16();
        var meterId = r.ReadUInt32();
        if (r.Ok && command > OfpMeterModCommand.Delete) r.Fail(OfpErrorCode.Of(OfpMeterModFailedCode.BadCommand), "ofp_meter_mod.command");
        // Flags matter only to a meter being made; OVS ignores a DELETE's (ofputil_decode_meter_mod),
        // and its datapaths know no flags but these four.
        if (r.Ok && command != OfpMeterModCommand.Delete
            && ((flags & ~KnownFlags) != 0 || flags.HasFlag(OfpMeterFlags.Kbps | OfpMeterFlags.Pktps)))
        {
            r.Fail(OfpErrorCode.Of(OfpMeterModFailedCode.BadFlags), "ofp_meter_mod.flags");
        }
        var bands = MeterBand.ReadList(ref r, r.Remaining);
        return new MeterMod(command, flags, meterId, bands);
    }

    /// <summary>As <c>ovs-ofctl</c>: <c>ADD meter=1 pktps burst bands=type=drop rate=200 burst_size=50</c>.</summary>
    public override string ToString()
    {
        var command = Command switch
        {
            OfpMeterModCommand.Add => "ADD",
            OfpMeterModCommand.Modify => "MOD",
            OfpMeterModCommand.Delete => "DEL",
            _ => $"cmd:{(ushort)Command}",
        };
        return $"{command} {MeterConfig.Describe(Flags, MeterId, Bands)}";
    }
}
