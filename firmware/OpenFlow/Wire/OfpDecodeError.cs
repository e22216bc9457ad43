namespace Appliance.OpenFlow;

/// <summary>
/// Why a message could not be decoded. It carries the OpenFlow error that the peer should get in
/// reply, so a decode failure and the ERROR message sent back are one concept, not two.
/// </summary>
/// <param name="Code">The protocol error this failure maps to.</param>
/// <param name="Offset">Byte offset within the message where decoding stopped.</param>
/// <param name="What">The structure or field being read; always a literal, so failing allocates nothing.</param>
public readonly record struct OfpDecodeError(OfpErrorCode Code, int Offset, string What)
{
    public bool IsError => What is not null;

    public override string ToString() => IsError ? $"{Code} at byte {Offset} ({What})" : "no error";
}
