namespace Appliance.OpenFlow;

/// <summary><c>OFPT_ECHO_REQUEST</c>: keepalive, answered with the same data.</summary>
public readonly record struct EchoRequest(OfpBytes Data) : IOfpMessage<EchoRequest>
{
    public static OfpType MessageType => OfpType.EchoRequest;

    public OfpType Type => MessageType;

    public int BodyLength => Data.Length;

    public void WriteBody(ref OfpWriter w) => w.WriteBytes(Data.Span);

    public static EchoRequest ReadBody(ref OfpReader r) => new(r.ReadRest());

    public EchoReply Reply() => new(Data);
}

/// <summary><c>OFPT_ECHO_REPLY</c>.</summary>
public readonly record struct EchoReply(OfpBytes Data) : IOfpMessage<EchoReply>
{
    public static OfpType MessageType => OfpType.EchoReply;

    public OfpType Type => MessageType;

    public int BodyLength => Data.Length;

    public void WriteBody(ref OfpWriter w) => w.WriteBytes(Data.Span);

    public static EchoReply ReadBody(ref OfpReader r) => new(r.ReadRest());
}
