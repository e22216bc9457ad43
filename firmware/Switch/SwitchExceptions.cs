namespace Appliance.Switch;

/// <summary>The switch refused a request with an OpenFlow ERROR.</summary>
public sealed class OpenFlowErrorException(ErrorMsg error, string request)
    : Exception($"switch refused {request}: {error.Code}")
{
    public ErrorMsg Error { get; } = error;
}

/// <summary>The connection ended (or was found dead) before the switch answered.</summary>
public sealed class SwitchDisconnectedException(string reason) : Exception($"switch disconnected: {reason}");

/// <summary>The switch sent a reply that does not decode.</summary>
public sealed class OpenFlowProtocolException(OfpDecodeError error, OfpType type)
    : Exception($"switch sent a malformed {type}: {error}")
{
    public OfpDecodeError Error { get; } = error;
}
