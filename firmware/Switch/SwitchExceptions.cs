namespace Appliance.Switch;

/// <summary>
/// A request to the switch got no usable answer: the switch refused it, the connection ended
/// first, or the reply did not decode. One base, so a caller whose remedy is the same for all
/// three (learn what the switch holds once it can) catches them in one place.
/// </summary>
public abstract class SwitchException(string message) : Exception(message);

/// <summary>The switch refused a request with an OpenFlow ERROR.</summary>
public sealed class OpenFlowErrorException(ErrorMsg error, string request)
    : SwitchException($"switch refused {request}: {error.Code}")
{
    public ErrorMsg Error { get; } = error;
}

/// <summary>The connection ended (or was found dead) before the switch answered.</summary>
public sealed class SwitchDisconnectedException(string reason) : SwitchException($"switch disconnected: {reason}");

/// <summary>The switch sent a reply that does not decode.</summary>
public sealed class OpenFlowProtocolException(OfpDecodeError error, OfpType type)
    : SwitchException($"switch sent a malformed {type}: {error}")
{
    public OfpDecodeError Error { get; } = error;
}

/// <summary>The peer broke one of the channel's bounds; the session ends with this reason.</summary>
internal sealed class PeerLimitException(RefusalReason reason, string message) : Exception(message)
{
    public RefusalReason Reason { get; } = reason;
}
