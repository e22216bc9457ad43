namespace Appliance.Switch;

/// <summary>
/// What a controller needs of one connection with a switch: which datapath it is, its ports, and
/// its flow, group and meter tables, changed by barrier-confirmed batches and read back by MULTIPART
/// requests. <see cref="SwitchSession"/> is the OpenFlow connection; tests put a switch held in
/// memory behind the same interface.
/// </summary>
/// <remarks>
/// A request on a closed channel, or one the channel gives up waiting for, throws
/// <see cref="SwitchDisconnectedException"/>; every failure of the channel is a <see cref="SwitchException"/>.
/// </remarks>
public interface ISwitchChannel
{
    /// <summary>Distinguishes successive connections, e.g. before and after a switch restart.</summary>
    long Id { get; }

    /// <summary>The switch's <c>datapath_id</c> from FEATURES_REPLY.</summary>
    ulong DatapathId { get; }

    /// <summary>The datapath id as OVS prints it: 16 hex digits.</summary>
    string DatapathIdText { get; }

    /// <summary>The switch's ports, kept current from PORT_DESC and PORT_STATUS.</summary>
    IReadOnlyDictionary<uint, OfpPortDesc> Ports { get; }

    bool IsClosed { get; }

    /// <summary>
    /// Sends the messages followed by a BARRIER_REQUEST and completes when the barrier is
    /// answered: then the switch has processed all of them, in order, and the result names each
    /// message it refused and why.
    /// </summary>
    Task<BatchResult> ApplyAsync(IReadOnlyList<IOfpMessage> messages, CancellationToken cancellation = default);

    /// <summary>The flow entries the request selects (<c>OFPMP_FLOW</c>), all parts of the reply.</summary>
    Task<ValueList<FlowStats>> ReadFlowStatsAsync(FlowStatsRequest request, CancellationToken cancellation = default);

    /// <summary>Every group's definition (<c>OFPMP_GROUP_DESC</c>), all parts of the reply.</summary>
    Task<ValueList<GroupDesc>> ReadGroupDescAsync(CancellationToken cancellation = default);

    /// <summary>Every meter's definition (<c>OFPMP_METER_CONFIG</c>), all parts of the reply.</summary>
    Task<ValueList<MeterConfig>> ReadMeterConfigAsync(CancellationToken cancellation = default);
}
