namespace Appliance.OpenFlow;

/// <summary>
/// <c>ofp_port</c>: a port's description and state, as PORT_STATUS and PORT_DESC carry it.
/// Inline and fixed-size, so a PORT_STATUS decodes without allocating.
/// </summary>
public readonly record struct OfpPortDesc(
    uint PortNo, MacAddress HwAddr, OfpPortName Name, OfpPortConfig Config, OfpPortState State,
    OfpPortFeatures Curr, OfpPortFeatures Advertised, OfpPortFeatures Supported, OfpPortFeatures Peer,
    uint CurrSpeed, uint MaxSpeed) : IOfpMultipartEntry
{
    public const int Size = 64;

    public int Length => Size;

    /// <summary>
    /// Whether the port can forward, as a fast-failover group's watch_port judges it: LIVE set,
    /// link up and not administratively down. Open vSwitch clears LIVE before it reports
    /// LINK_DOWN, so this is the earliest sign of a lost link.
    /// </summary>
    public bool IsLive =>
        (State & OfpPortState.Live) != 0 && (State & OfpPortState.LinkDown) == 0 && (Config & OfpPortConfig.PortDown) == 0;

    public void Write(ref OfpWriter w)
    {
        w.WriteUInt32(PortNo);
        w.WriteZeros(4);
        w.WriteMac(HwAddr);
        w.WriteZeros(2);
        Name.Write(w.Reserve(OfpPortName.Size));
        w.WriteUInt32((uint)Config);
        w.WriteUInt32((uint)State);
        w.WriteUInt32((uint)Curr);
        w.WriteUInt32((uint)Advertised);
        w.WriteUInt32((uint)Supported);
        w.WriteUInt32((uint)Peer);
        w.WriteUInt32(CurrSpeed);
        w.WriteUInt32(MaxSpeed);
    }

    internal static OfpPortDesc Read(ref OfpReader r)
    {
        var portNo = r.ReadUInt32();
        r.Skip(4);
        var hwAddr = r.ReadMac();
        r.Skip(2);
        var nameBytes = r.ReadSpan(OfpPortName.Size);
        var name = r.Ok ? OfpPortName.Read(nameBytes) : default;
        return new OfpPortDesc(
            portNo, hwAddr, name, (OfpPortConfig)r.ReadUInt32(), (OfpPortState)r.ReadUInt32(),
            (OfpPortFeatures)r.ReadUInt32(), (OfpPortFeatures)r.ReadUInt32(), (OfpPortFeatures)r.ReadUInt32(), (OfpPortFeatures)r.ReadUInt32(),
            r.ReadUInt32(), r.ReadUInt32());
    }

    public override string ToString() =>
        $"{OfpPort.Name(PortNo)}({Name}): addr:{HwAddr} config:{Config} state:{State}";
}

/// <summary><c>OFPT_PORT_STATUS</c>: a port was added, removed or changed (link up/down among others).</summary>
public readonly record struct PortStatus(OfpPortReason Reason, OfpPortDesc Desc) : IOfpMessage<PortStatus>
{
    public static OfpType MessageType => OfpType.PortStatus;

    public OfpType Type => MessageType;

    public int BodyLength => 8 + OfpPortDesc.Size;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteByte((byte)Reason);
        w.WriteZeros(7);
        Desc.Write(ref w);
    }

    public static PortStatus ReadBody(ref OfpReader r)
    {
        var reason = r.ReadByte();
        r.Skip(7);
        var desc = OfpPortDesc.Read(ref r);
        if (r.Ok && reason > (byte)OfpPortReason.Modify) r.Fail(OfpErrorCode.Of(OfpBadRequestCode.BadPacket), "ofp_port_status.reason");
        return new PortStatus((OfpPortReason)reason, desc);
    }
}
