namespace Appliance.OpenFlow;

/// <summary><c>OFPT_FEATURES_REQUEST</c>.</summary>
public readonly record struct FeaturesRequest : IOfpMessage<FeaturesRequest>
{
    public static OfpType MessageType => OfpType.FeaturesRequest;

    public OfpType Type => MessageType;

    public int BodyLength => 0;

    public void WriteBody(ref OfpWriter w)
    {
    }

    public static FeaturesRequest ReadBody(ref OfpReader r) => default;
}

/// <summary><c>OFPT_FEATURES_REPLY</c> (<c>ofp_switch_features</c>). In 1.3 ports come separately, by PORT_DESC.</summary>
public readonly record struct FeaturesReply(ulong DatapathId, uint NBuffers, byte NTables, byte AuxiliaryId, OfpCapabilities Capabilities)
    : IOfpMessage<FeaturesReply>
{
    public static OfpType MessageType => OfpType.FeaturesReply;

    public OfpType Type => MessageType;

    public int BodyLength => 24;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt64(DatapathId);
        w.WriteUInt32(NBuffers);
        w.WriteByte(NTables);
        w.WriteByte(AuxiliaryId);
        w.WriteZeros(2);
        w.WriteUInt32((uint)Capabilities);
        w.WriteUInt32(0);
    }

    public static FeaturesReply ReadBody(ref OfpReader r)
    {
        var datapathId = r.ReadUInt64();
        var buffers = r.ReadUInt32();
        var tables = r.ReadByte();
        var auxiliary = r.ReadByte();
        r.Skip(2);
        var capabilities = (OfpCapabilities)r.ReadUInt32();
        r.Skip(4);
        return new FeaturesReply(datapathId, buffers, tables, auxiliary, capabilities);
    }

    /// <summary>The datapath id as OVS prints it: 16 hex digits.</summary>
    public string DatapathIdText => DatapathId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
