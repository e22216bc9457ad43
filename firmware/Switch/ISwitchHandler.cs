namespace Appliance.Switch;

/// <summary>
/// What the channel tells its owner. Calls come from the channel's receive loop, one at a time;
/// message arguments are views of the receive buffer, valid only during the call.
/// </summary>
public interface ISwitchHandler
{
    /// <summary>The handshake is done: version agreed, features and ports known, role set.</summary>
    void OnConnected(ISwitchChannel channel);

    /// <summary>A port was added, removed or changed; <see cref="ISwitchChannel.Ports"/> already shows it.</summary>
    void OnPortStatus(ISwitchChannel channel, in PortStatus status);

    void OnPacketIn(ISwitchChannel channel, in PacketIn packetIn);

    void OnFlowRemoved(ISwitchChannel channel, in FlowRemoved removed);

    /// <summary>An ERROR that answers no request we are waiting for.</summary>
    void OnUnsolicitedError(ISwitchChannel channel, in ErrorMsg error);

    void OnDisconnected(ISwitchChannel channel, string reason);
}
