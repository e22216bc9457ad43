namespace Appliance.OpenFlow;

/// <summary><c>OFPT_GET_CONFIG_REQUEST</c>.</summary>
public readonly record struct GetConfigRequest : IOfpMessage<GetConfigRequest>
{
    public static OfpType MessageType => OfpType.GetConfigRequest;

    public OfpType Type => MessageType;

    public int BodyLength => 0;

    public void WriteBody(ref OfpWriter w)
    {
    }

    public static GetConfigRequest ReadBody(ref OfpReader r) => default;
}

/// <summary>The body shared by GET_CONFIG_REPLY and SET_CONFIG (<c>ofp_switch_config</c>).</summary>
public readonly record struct SwitchConfig(OfpConfigFlags Flags, ushort MissSendLen)
{
    internal void Write(ref OfpWriter w)
    {
        w.WriteUInt16((ushort)Flags);
        w.WriteUInt16(MissSendLen);
    }

    internal static SwitchConfig Read(ref OfpReader r)
    {
        var flags = r.ReadUInt16();
        var missSendLen = r.ReadUInt16();
        if (r.Ok && (flags & ~3) != 0) r.Fail(OfpErrorCode.Of(OfpSwitchConfigFailedCode.BadFlags), "ofp_switch_config.flags");
        return new SwitchConfig((OfpConfigFlags)flags, missSendLen);
    }
}

/// <summary><c>OFPT_GET_CONFIG_REPLY</c>.</summary>
public readonly record struct GetConfigReply(SwitchConfig Config) : IOfpMessage<GetConfigReply>
{
    public static OfpType MessageType => OfpType.GetConfigReply;

    public OfpType Type => MessageType;

    public int BodyLength => 4;

    public void WriteBody(ref OfpWriter w) => Config.Write(ref w);

    public static GetConfigReply ReadBody(ref OfpReader r) => new(SwitchConfig.Read(ref r));
}

/// <summary><c>OFPT_SET_CONFIG</c>.</summary>
public readonly record struct SetConfig(SwitchConfig Config) : IOfpMessage<SetConfig>
{
    public static OfpType MessageType => OfpType.SetConfig;

    public OfpType Type => MessageType;

    public int BodyLength => 4;

    public void WriteBody(ref OfpWriter w) => Config.Write(ref w);

    public static SetConfig ReadBody(ref OfpReader r) => new(SwitchConfig.Read(ref r));
}
