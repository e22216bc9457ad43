namespace Appliance.OpenFlow;

/// <summary><c>OFPMP_DESC</c> request.</summary>
public readonly record struct DescRequest : IOfpMessage<DescRequest>
{
    public static OfpType MessageType => OfpType.MultipartRequest;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Desc;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength;

    public void WriteBody(ref OfpWriter w) => Multipart.WriteHeader(ref w, OfpMultipartType.Desc, OfpMultipartFlags.None);

    public static DescRequest ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        return default;
    }
}

/// <summary><c>OFPMP_DESC</c> reply (<c>ofp_desc</c>): who made the switch and what it runs.</summary>
public readonly record struct DescReply(string Manufacturer, string Hardware, string Software, string SerialNumber, string DatapathDescription)
    : IOfpMessage<DescReply>
{
    private const int DescLength = 256;
    private const int SerialLength = 32;

    public static OfpType MessageType => OfpType.MultipartReply;

    public static OfpMultipartType? MultipartType => OfpMultipartType.Desc;

    public OfpType Type => MessageType;

    public int BodyLength => Multipart.HeaderLength + 4 * DescLength + SerialLength;

    public void WriteBody(ref OfpWriter w)
    {
        Multipart.WriteHeader(ref w, OfpMultipartType.Desc, OfpMultipartFlags.None);
        w.WriteFixedString(Manufacturer, DescLength);
        w.WriteFixedString(Hardware, DescLength);
        w.WriteFixedString(Software, DescLength);
        w.WriteFixedString(SerialNumber, SerialLength);
        w.WriteFixedString(DatapathDescription, DescLength);
    }

    public static DescReply ReadBody(ref OfpReader r)
    {
        Multipart.ReadHeader(ref r);
        var manufacturer = FixedString.Read(r.ReadSpan(DescLength));
        var hardware = FixedString.Read(r.ReadSpan(DescLength));
        var software = FixedString.Read(r.ReadSpan(DescLength));
        var serial = FixedString.Read(r.ReadSpan(SerialLength));
        var datapath = FixedString.Read(r.ReadSpan(DescLength));
        return new DescReply(manufacturer, hardware, software, serial, datapath);
    }
}
