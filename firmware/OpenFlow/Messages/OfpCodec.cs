namespace Appliance.OpenFlow;

/// <summary>Frames messages: header in front on the way out, header checks on the way in.</summary>
public static class OfpCodec
{
    /// <summary>Largest possible message: <c>ofp_header.length</c> is 16 bits.</summary>
    public const int MaxMessageLength = ushort.MaxValue;

    /// <remarks>
    /// The generic methods take any <see cref="IOfpMessage"/>: with a struct argument they are
    /// specialised and nothing is boxed; with an interface-typed argument they serve mixed batches.
    /// </remarks>
    public static int EncodedLength<T>(in T message)
        where T : IOfpMessage => OfpHeader.Size + message.BodyLength;

    /// <summary>Writes the message into <paramref name="destination"/> and returns its length.</summary>
    public static int Encode<T>(in T message, uint xid, Span<byte> destination)
        where T : IOfpMessage
    {
        var length = EncodedLength(message);
        if (length > MaxMessageLength) throw new ArgumentException($"{message.Type} of {length} bytes exceeds the 64 KiB OpenFlow limit");
        var w = new OfpWriter(destination[..length]);
        new OfpHeader(OfpHeader.Version13, message.Type, (ushort)length, xid).Write(ref w);
        message.WriteBody(ref w);
        w.AssertAt(length);
        return length;
    }

    public static byte[] Encode<T>(in T message, uint xid)
        where T : IOfpMessage
    {
        var bytes = new byte[EncodedLength(message)];
        Encode(message, xid, bytes);
        return bytes;
    }

    /// <summary>
    /// Decodes one whole message. Every failure is reported as the OpenFlow error the sender should
    /// get; nothing is thrown, and nothing outside <paramref name="message"/> is read.
    /// </summary>
    public static bool TryDecode<T>(ReadOnlyMemory<byte> message, out T value, out OfpDecodeError error)
        where T : struct, IOfpMessage<T>
    {
        value = default;
        var r = new OfpReader(message, OfpErrorCode.Of(OfpBadRequestCode.BadLen));
        var version = r.ReadByte();
        var type = (OfpType)r.ReadByte();
        var length = r.ReadUInt16();
        r.Skip(4);
        if (r.Ok && length != message.Length) r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadLen), "ofp_header.length");
        if (r.Ok && version != OfpHeader.Version13 && !T.AnyVersion) r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadVersion), "ofp_header.version");
        if (r.Ok && type != T.MessageType) r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadType), "ofp_header.type");
        if (r.Ok && T.MultipartType is { } multipartType && PeekMultipartType(r.RemainingSpan) != multipartType)
        {
            r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadMultipart), "ofp_multipart.type");
        }
        if (r.Ok) value = T.ReadBody(ref r);
        r.ExpectEnd("ofp_header.length");
        error = r.Error;
        if (!r.Ok) value = default;
        return r.Ok;
    }

    /// <summary>The <c>ofp_multipart_type</c> of a MULTIPART body, or null when too short.</summary>
    public static OfpMultipartType? PeekMultipartType(ReadOnlySpan<byte> body) =>
        body.Length >= 2 ? (OfpMultipartType)(body[0] << 8 | body[1]) : null;
}
