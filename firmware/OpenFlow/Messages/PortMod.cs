namespace Appliance.OpenFlow;

/// <summary><c>OFPT_PORT_MOD</c>: change a port's configuration bits selected by <see cref="Mask"/>.</summary>
public readonly record struct PortMod(uint PortNo, MacAddress HwAddr, OfpPortConfig Config, OfpPortConfig Mask, OfpPortFeatures Advertise)
    : IOfpMessage<PortMod>
{
    public static OfpType MessageType => OfpType.PortMod;

    public OfpType Type => MessageType;

    public int BodyLength => 32;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteUInt32(PortNo);
        w.WriteZeros(4);
        w.WriteMac(HwAddr);
        w.WriteZeros(2);
        w.WriteUInt32((uint)Config);
        w.WriteUInt32((uint)Mask);
        w.WriteUInt32((uint)Advertise);
        w.WriteZeros(4);
    }

    public static PortMod ReadBody(ref OfpReader r)
    {
        var port = r.ReadUInt32();
        r.Skip(4);
        var hwAddr = r.ReadMac();
        r.Skip(2);
        var config = (OfpPortConfig)r.ReadUInt32();
        var mask = (OfpPortConfig)r.ReadUInt32();
        var advertise = (OfpPortFeatures)r.ReadUInt32();
        r.Skip(4);
        return new PortMod(port, hwAddr, config, mask, advertise);
    }
}

/// <summary><c>OFPT_TABLE_MOD</c>.</summary>
public readonly record struct TableMod(byte TableId, OfpTableConfig Config) : IOfpMessage<TableMod>
{
    public static OfpType MessageType => OfpType.TableMod;

    public OfpType Type => MessageType;

    public int BodyLength => 8;

    public void WriteBody(ref OfpWriter w)
    {
        w.WriteByte(TableId);
        w.WriteZeros(3);
        w.WriteUInt32((uint)Config);
    }

    public static TableMod ReadBody(ref OfpReader r)
    {
        var table = r.ReadByte();
        r.Skip(3);
        return new TableMod(table, (OfpTableConfig)r.ReadUInt32());
    }
}
