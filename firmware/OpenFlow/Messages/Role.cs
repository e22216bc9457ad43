namespace Appliance.OpenFlow;

/// <summary>The body shared by ROLE_REQUEST and ROLE_REPLY (<c>ofp_role_request</c>).</summary>
public readonly record struct RoleBody(OfpControllerRole Role, ulong GenerationId)
{
    internal void Write(ref OfpWriter w)
    {
        w.WriteUInt32((uint)Role);
        w.WriteZeros(4);
        w.WriteUInt64(GenerationId);
    }

    internal static RoleBody Read(ref OfpReader r)
    {
        var role = r.ReadUInt32();
        r.Skip(4);
        var generation = r.ReadUInt64();
        if (r.Ok && role > (uint)OfpControllerRole.Slave) r.Fail(OfpErrorCode.Of(OfpRoleRequestFailedCode.BadRole), "ofp_role_request.role");
        return new RoleBody((OfpControllerRole)role, generation);
    }
}

/// <summary><c>OFPT_ROLE_REQUEST</c>.</summary>
public readonly record struct RoleRequest(RoleBody Body) : IOfpMessage<RoleRequest>
{
    public RoleRequest(OfpControllerRole role, ulong generationId = 0)
        : this(new RoleBody(role, generationId))
    {
    }

    public static OfpType MessageType => OfpType.RoleRequest;

    public OfpType Type => MessageType;

    public int BodyLength => 16;

    public void WriteBody(ref OfpWriter w) => Body.Write(ref w);

    public static RoleRequest ReadBody(ref OfpReader r) => new(RoleBody.Read(ref r));
}

/// <summary><c>OFPT_ROLE_REPLY</c>.</summary>
public readonly record struct RoleReply(RoleBody Body) : IOfpMessage<RoleReply>
{
    public static OfpType MessageType => OfpType.RoleReply;

    public OfpType Type => MessageType;

    public int BodyLength => 16;

    public void WriteBody(ref OfpWriter w) => Body.Write(ref w);

    public static RoleReply ReadBody(ref OfpReader r) => new(RoleBody.Read(ref r));
}
