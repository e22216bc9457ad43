namespace Appliance.OpenFlow;

/// <summary>
/// <c>OFPT_HELLO</c> with the version-bitmap element (OF1.3.5 §7.5.1). Versions are negotiated from
/// it when present, else from the header version; unknown elements are skipped as the spec asks.
/// </summary>
/// <param name="VersionBitmap">Bit <c>n</c> set when wire version <c>n</c> is supported; 0 when the peer sent no bitmap.</param>
public readonly record struct Hello(uint VersionBitmap) : IOfpMessage<Hello>
{
    private const ushort VersionBitmapElement = 1;

    /// <summary>What this codec sends: OpenFlow 1.3 only.</summary>
    public static Hello OpenFlow13 => new(1u << OfpHeader.Version13);

    public static OfpType MessageType => OfpType.Hello;

    public OfpType Type => MessageType;

    public static bool AnyVersion => true;

    public int BodyLength => VersionBitmap == 0 ? 0 : 8;

    public bool Supports(byte version) => version < 32 && (VersionBitmap & (1u << version)) != 0;

    public void WriteBody(ref OfpWriter w)
    {
        if (VersionBitmap == 0) return;
        w.WriteUInt16(VersionBitmapElement);
        w.WriteUInt16(8);
        w.WriteUInt32(VersionBitmap);
    }

    public static Hello ReadBody(ref OfpReader r)
    {
        uint bitmap = 0;
        while (r.Remaining > 0 && r.Ok)
        {
            var type = r.ReadUInt16();
            var length = r.ReadUInt16();
            if (!r.Ok) break;
            if (length < 4)
            {
                r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadLen), "ofp_hello_elem_header.length");
                break;
            }
            var element = r.Slice(length - 4, OfpErrorCode.Of(OfpBadRequestCode.BadLen), "ofp_hello_elem_header.length");
            if (type == VersionBitmapElement)
            {
                // Only the first word matters: versions above 31 do not exist yet.
                bitmap = element.Remaining >= 4 ? element.ReadUInt32() : 0;
            }
            // Elements are padded to 8 bytes; some peers omit the padding of the last one.
            r.Skip(Math.Min(Wire.Pad8(length) - length, r.Remaining));
        }
        return new Hello(bitmap);
    }
}
