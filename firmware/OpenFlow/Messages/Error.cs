namespace Appliance.OpenFlow;

/// <summary>
/// <c>OFPT_ERROR</c>. <see cref="Data"/> holds (at least the start of) the message that failed,
/// which is how a reply is tied to the request it refuses.
/// </summary>
/// <param name="Experimenter">For <see cref="OfpErrorType.Experimenter"/> errors, whose code is the <c>exp_code</c>.</param>
public readonly record struct ErrorMsg(OfpErrorCode Code, OfpBytes Data, uint Experimenter = 0) : IOfpMessage<ErrorMsg>
{
    /// <summary>How much of an offending message an error reply quotes (OF1.3.5 §7.4.4).</summary>
    public const int QuotedBytes = 64;

    public static OfpType MessageType => OfpType.Error;

    public OfpType Type => MessageType;

    public int BodyLength => (Code.Type == OfpErrorType.Experimenter ? 8 : 4) + Data.Length;

    /// <summary>The reply to a message we could not accept: its error and its first 64 bytes.</summary>
    public static ErrorMsg Refusing(OfpErrorCode code, ReadOnlyMemory<byte> offending) =>
        new(code, offending[..Math.Min(offending.Length, QuotedBytes)]);

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Code.Type);
        w.WriteUInt16(Code.Code);
        if (Code.Type == OfpErrorType.Experimenter) w.WriteUInt32(Experimenter);
        w.WriteBytes(Data.Span);
    }

    public static ErrorMsg ReadBody(ref OfpReader r)
    {
        var type = (OfpErrorType)r.ReadUInt16();
        var code = r.ReadUInt16();
        var experimenter = type == OfpErrorType.Experimenter ? r.ReadUInt32() : 0;
        return new ErrorMsg(new OfpErrorCode(type, code), r.ReadRest(), experimenter);
    }

    /// <summary>The header of the quoted message, when enough of it was quoted.</summary>
    public OfpHeader? QuotedHeader => OfpHeader.TryRead(Data.Span, out var header) ? header : null;

    public override string ToString() => $"ERROR {Code} ({Data.Length} bytes quoted)";
}
