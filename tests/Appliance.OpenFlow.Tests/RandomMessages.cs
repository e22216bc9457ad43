using System.Net;

namespace Appliance.OpenFlow.Tests;

/// <summary>
/// Random but meaningful flow and group mods: matches honour OpenFlow prerequisites and actions
/// fit their match, so that Open vSwitch accepts them as well as our own decoder.
/// </summary>
internal sealed class RandomMessages(int seed)
{
    private readonly Random _random = new(seed);

    private bool Coin => _random.Next(2) == 0;

    private MacAddress Mac() => new((ulong)_random.NextInt64(0, 1L << 48) & ~0x0100_0000_0000UL);

    private IPAddress Ipv4() => new([198, (byte)_random.Next(18, 20), (byte)_random.Next(256), (byte)_random.Next(256)]);

    public (Match Match, bool IsIp, bool IsArp) Match()
    {
        var fields = new List<OxmField>();
        if (Coin) fields.Add(OxmField.InPort((uint)_random.Next(1, 64)));
        if (Coin) fields.Add(OxmField.EthDst(Mac(), Coin ? null : MacAddress.Parse("ff:ff:ff:00:00:00")));
        if (Coin) fields.Add(OxmField.EthSrc(Mac()));
        if (Coin) fields.Add(OxmField.VlanVid((ushort)(0x1000 | _random.Next(1, 4095))));
        var kind = _random.Next(3);
        if (kind == 1)
        {
            fields.Add(OxmField.EthType(0x0800));
            if (Coin) fields.Add(OxmField.Ipv4Src(Ipv4(), _random.Next(8, 33)));
            if (Coin) fields.Add(OxmField.Ipv4Dst(Ipv4(), _random.Next(8, 33)));
            switch (_random.Next(4))
            {
                case 0:
                    fields.Add(OxmField.IpProto(6));
                    if (Coin) fields.Add(OxmField.TcpSrc((ushort)_random.Next(1, 65536)));
                    if (Coin) fields.Add(OxmField.TcpDst((ushort)_random.Next(1, 65536)));
                    if (Coin) fields.Add(OxmField.TcpFlags((ushort)_random.Next(0, 0x1000), Coin ? null : (ushort)_random.Next(1, 0x1000)));
                    break;
                case 1:
                    fields.Add(OxmField.IpProto(17));
                    if (Coin) fields.Add(OxmField.UdpDst((ushort)_random.Next(1, 65536)));
                    break;
                case 2:
                    fields.Add(OxmField.IpProto(1));
                    if (Coin) fields.Add(OxmField.Icmpv4Type((byte)_random.Next(256)));
                    if (Coin) fields.Add(OxmField.Icmpv4Code((byte)_random.Next(256)));
                    break;
            }
        }
        else if (kind == 2)
        {
            fields.Add(OxmField.EthType(0x0806));
            if (Coin) fields.Add(OxmField.ArpOp((ushort)_random.Next(1, 3)));
            if (Coin) fields.Add(OxmField.ArpSpa(Ipv4(), _random.Next(1, 33)));
            if (Coin) fields.Add(OxmField.ArpTpa(Ipv4()));
            if (Coin) fields.Add(OxmField.ArpSha(Mac()));
            if (Coin) fields.Add(OxmField.ArpTha(Mac()));
        }
        var shuffled = fields.OrderBy(_ => _random.Next()).ToArray();
        // OXM order is free except that prerequisites are checked per field by some switches; keep eth_type early.
        var ordered = shuffled.OrderBy(f => f.Id == OxmFieldId.EthType ? 0 : f.Id == OxmFieldId.IpProto ? 1 : 2).ToArray();
        return (OpenFlow.Match.Of(ordered), kind == 1, kind == 2);
    }

    public OfpAction Action(bool isIp, bool isArp)
    {
        while (true)
        {
            switch (_random.Next(10))
            {
                case 0: return new OutputAction((uint)_random.Next(1, 100));
                case 1: return new OutputAction(_random.Next(3) switch { 0 => OfpPort.Normal, 1 => OfpPort.InPort, _ => OfpPort.Local });
                case 2: return new OutputAction(OfpPort.Controller, (ushort)_random.Next(0, 0xffe5));
                case 3: return new GroupAction((uint)_random.Next(1, 100));
                case 4: return new SetFieldAction(Coin ? OxmField.EthDst(Mac()) : OxmField.EthSrc(Mac()));
                case 5 when isIp: return new SetFieldAction(OxmField.Ipv4Dst(Ipv4()));
                case 6 when isIp: return new DecNwTtlAction();
                case 7 when isArp: return NxRegMoveAction.Whole(NxmField.ArpSha, NxmField.ArpTha);
                // OVS accepts a NAT target only on a committing ct; a bare nat reverses existing translations.
                case 8 when isIp:
                    return Coin
                    ? new NxConntrackAction(NxConntrackFlags.Commit, (ushort)_random.Next(0, 65536), (byte)_random.Next(1, 250), ActionList.Of(new NxNatAction(NxNatFlags.Destination, Ipv4())))
                    : new NxConntrackAction(NxConntrackFlags.None, (ushort)_random.Next(0, 65536), (byte)_random.Next(1, 250), ActionList.Of(new NxNatAction()));
                case 9:
                    return new NxControllerAction(
                        Coin ? ushort.MaxValue : (ushort)_random.Next(0, 65535),
                        Coin ? (ushort)0 : (ushort)_random.Next(1, 65536),
                        (OfpPacketInReason)_random.Next(0, 3),
                        Coin ? NxControllerAction.NoMeter : (uint)_random.Next(1, 1000),
                        Coin ? OfpBytes.Empty : Bytes(_random.Next(1, 20)),
                        Coin);
            }
        }
    }

    public FlowMod FlowMod()
    {
        var (match, isIp, isArp) = Match();
        var actions = Enumerable.Range(0, _random.Next(0, 5)).Select(_ => Action(isIp, isArp)).ToArray();
        var instructions = new List<OfpInstruction>();
        if (actions.Length > 0) instructions.Add(new ApplyActionsInstruction(ActionList.Of(actions)));
        if (Coin) instructions.Add(new GotoTableInstruction((byte)_random.Next(1, 200)));
        if (Coin) instructions.Add(new WriteMetadataInstruction((ulong)_random.NextInt64(), ulong.MaxValue));
        return new FlowMod
        {
            Cookie = (ulong)_random.NextInt64(),
            Priority = (ushort)_random.Next(0, 65536),
            IdleTimeout = (ushort)(Coin ? 0 : _random.Next(1, 600)),
            Command = Coin ? OfpFlowModCommand.Add : OfpFlowModCommand.ModifyStrict,
            Match = match,
            Instructions = InstructionList.Of([.. instructions]),
        };
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A meter as Open vSwitch takes it: one unit, drop or dscp_remark bands.</summary>
    public MeterMod Meter()
    {
        var command = (OfpMeterModCommand)_random.Next(3);
        var flags = (Coin ? OfpMeterFlags.Kbps : OfpMeterFlags.Pktps) | (Coin ? OfpMeterFlags.Burst : 0) | (Coin ? OfpMeterFlags.Stats : 0);
        var bands = Enumerable.Range(0, _random.Next(0, 4)).Select(_ => Coin
            ? MeterBand.Drop((uint)_random.Next(1, 1_000_000), (uint)_random.Next(0, 10_000))
            : new MeterBand(OfpMeterBandType.DscpRemark, (uint)_random.Next(1, 1_000_000), (uint)_random.Next(0, 10_000), (byte)_random.Next(1, 64))).ToArray();
        return new MeterMod(command, flags, (uint)_random.Next(1, 1000), bands);
    }

    public GroupMod FastFailoverGroup()
    {
        var buckets = Enumerable.Range(1, _random.Next(1, 5)).Select(port => new Bucket(
            ActionList.Of(new SetFieldAction(OxmField.EthDst(Mac())), new OutputAction((uint)port)), WatchPort: (uint)port)).ToArray();
        return new GroupMod(OfpGroupModCommand.Add, OfpGroupType.FastFailover, (uint)_random.Next(1, 1000), buckets);
    }
}
