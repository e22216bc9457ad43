namespace Appliance.OpenFlow;

/// <summary>
/// <c>ofp_async_config</c>: which asynchronous messages a controller receives, as bitmasks of
/// reasons, first for the master/equal role and then for the slave role.
/// </summary>
public readonly record struct AsyncConfig(
    uint PacketInMaster, uint PacketInSlave,
    uint PortStatusMaster, uint PortStatusSlave,
    uint FlowRemovedMaster, uint FlowRemovedSlave)
{
    internal void Write(ref OfpWriter w)
    {
        w.WriteUInt32(PacketInMaster);
        w.WriteUInt32(PacketInSlave);
        w.WriteUInt32(PortStatusMaster);
        w.WriteUInt32(PortStatusSlave);
        w.WriteUInt32(FlowRemovedMaster);
        w.WriteUInt32(FlowRemovedSlave);
    }

    internal static AsyncConfig Read(ref OfpReader r) =>
        new(r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32());
}

/// <summary><c>OFPT_GET_ASYNC_REQUEST</c>.</summary>
public readonly record struct GetAsyncRequest : IOfpMessage<GetAsyncRequest>
{
    public static OfpType MessageType => OfpType.GetAsyncRequest;

    public OfpType Type => MessageType;

    public int BodyLength => 0;

    public void WriteBody(ref OfpWriter w)
    {
    }

    public static GetAsyncRequest ReadBody(ref OfpReader r) => default;
}

/// <summary><c>OFPT_GET_ASYNC_REPLY</c>.</summary>
public readonly record struct GetAsyncReply(AsyncConfig Config) : IOfpMessage<GetAsyncReply>
{
    public static OfpType MessageType => OfpType.GetAsyncReply;

    public OfpType Type => MessageType;

    public int BodyLength => 24;

    public void WriteBody(ref OfpWriter w) => Config.Write(ref w);

    public static GetAsyncReply ReadBody(ref OfpReader r) => new(AsyncConfig.Read(ref r));
}

/// <summary><c>OFPT_SET_ASYNC</c>.</summary>
public readonly record struct SetAsync(AsyncConfig Config) : IOfpMessage<SetAsync>
{
    public static OfpType MessageType => OfpType.SetAsync;

    public OfpType Type => MessageType;

    public int BodyLength => 24;

    public void WriteBody(ref OfpWriter w) => Config.Write(ref w);

    public static SetAsync ReadBody(ref OfpReader r) => new(AsyncConfig.Read(ref r));
}
