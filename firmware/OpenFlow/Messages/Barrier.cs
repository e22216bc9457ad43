namespace Appliance.OpenFlow;

/// <summary><c>OFPT_BARRIER_REQUEST</c>: the reply means every earlier message has been applied.</summary>
public readonly record struct BarrierRequest : IOfpMessage<BarrierRequest>
{
    public static OfpType MessageType => OfpType.BarrierRequest;

    public OfpType Type => MessageType;

    public int BodyLength => 0;

    public void WriteBody(ref OfpWriter w)
    {
    }

    public static BarrierRequest ReadBody(ref OfpReader r) => default;
}

/// <summary><c>OFPT_BARRIER_REPLY</c>.</summary>
public readonly record struct BarrierReply : IOfpMessage<BarrierReply>
{
    public static OfpType MessageType => OfpType.BarrierReply;

    public OfpType Type => MessageType;

    public int BodyLength => 0;

    public void WriteBody(ref OfpWriter w)
    {
    }

    public static BarrierReply ReadBody(ref OfpReader r) => default;
}
