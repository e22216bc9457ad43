namespace Appliance.OpenFlow;

/// <summary>
/// A message body that can be written. Messages are structs so that the steady-state ones
/// (echo, packet-in, port-status, flow-mod) are decoded and encoded without allocating.
/// </summary>
public interface IOfpMessage
{
    /// <summary>The <c>ofp_header.type</c> this message travels under.</summary>
    OfpType Type { get; }

    /// <summary>Bytes after the <c>ofp_header</c>, computed before writing.</summary>
    int BodyLength { get; }

    void WriteBody(ref OfpWriter w);
}

/// <summary>A message that can also be read; <see cref="OfpCodec"/> does the framing for both directions.</summary>
public interface IOfpMessage<TSelf> : IOfpMessage
    where TSelf : struct, IOfpMessage<TSelf>
{
    static abstract OfpType MessageType { get; }

    /// <summary>Reads the body. The reader's error, if any, says why it failed.</summary>
    static abstract TSelf ReadBody(ref OfpReader r);

    /// <summary>True for messages accepted under any version (HELLO negotiates it).</summary>
    static virtual bool AnyVersion => false;

    /// <summary>For MULTIPART messages, the <c>ofp_multipart_type</c> that must follow the header.</summary>
    static virtual OfpMultipartType? MultipartType => null;
}
