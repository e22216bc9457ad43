namespace Appliance.OpenFlow;

/// <summary><c>OFPT_EXPERIMENTER</c>: a vendor message; the codec carries it opaquely.</summary>
public readonly record struct ExperimenterMsg(uint Experimenter, uint ExpType, OfpBytes Data) : IOfpMessage<ExperimenterMsg>
{
    public static OfpType MessageType => OfpType.Experimenter;

    public OfpType Type => MessageType;

    public int BodyLength => 8 + Data.Length;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt32(Experimenter);
        w.WriteUInt32(ExpType);
        w.WriteBytes(Data.Span);
    }

    public static ExperimenterMsg ReadBody(ref OfpReader r) => new(r.ReadUInt32(), r.ReadUInt32(), r.ReadRest());
}
