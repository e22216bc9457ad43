namespace Appliance.Switch;

/// <summary>
/// What the channel tells its owner. Calls come from the session's receive loop, one at a time;
/// message arguments are views of the receive buffer, valid only during the call.
/// </summary>
public interface ISwitchHandler
{
    /// <summary>The handshake is done: version agreed, features and ports known, role set.</summary>
    void OnConnected(SwitchSession session);

    /// <summary>A port was added, removed or changed; <see cref="SwitchSession.Ports"/> already shows it.</summary>
    void OnPortStatus(SwitchSession session, in PortStatus status);

    void OnPacketIn(SwitchSession session, in PacketIn packetIn);

    void OnFlowRemoved(SwitchSession session, in FlowRemoved removed);

    /// <summary>An ERROR that answers no request we are waiting for.</summary>
    void OnUnsolicitedError(SwitchSession session, in ErrorMsg error);

    void OnDisconnected(SwitchSession session, string reason);
}
