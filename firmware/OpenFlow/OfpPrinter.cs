namespace Appliance.OpenFlow;

/// <summary>
/// Decodes any message the codec knows and describes it in one line: for trace logs and for
/// tools, the way <c>ovs-ofctl ofp-print</c> is for Open vSwitch. Not for hot paths (it boxes).
/// </summary>
public static class OfpPrinter
{
    public static string Print(ReadOnlyMemory<byte> message)
    {
        if (!OfpHeader.TryRead(message.Span, out var header)) return $"(truncated header: {message.Length} bytes)";
        return TryDescribe(message, out var text, out var error)
            ? $"{header.Type} xid={header.Xid}: {text}"
            : $"{header.Type} xid={header.Xid}: undecodable, {error}";
    }

    /// <summary>
    /// Fully decodes a message, lists included, and renders it. False with the reason when any part
    /// of it is malformed or unknown.
    /// </summary>
    public static bool TryDescribe(ReadOnlyMemory<byte> message, out string text, out OfpDecodeError error)
    {
        text = "";
        if (!OfpHeader.TryRead(message.Span, out var header))
        {
            error = new OfpDecodeError(OfpErrorCode.Of(OfpBadRequestCode.BadLen), 0, "ofp_header");
            return false;
        }
        if (header.Length != message.Length)
        {
            error = new OfpDecodeError(OfpErrorCode.Of(OfpBadRequestCode.BadLen), 2, "ofp_header.length");
            return false;
        }
        var body = message.Span[OfpHeader.Size..];
        return header.Type switch
        {
            OfpType.Hello => Describe<Hello>(message, out text, out error),
            OfpType.Error => Describe<ErrorMsg>(message, out text, out error),
            OfpType.EchoRequest => Describe<EchoRequest>(message, out text, out error),
            OfpType.EchoReply => Describe<EchoReply>(message, out text, out error),
            OfpType.Experimenter => Describe<ExperimenterMsg>(message, out text, out error),
            OfpType.FeaturesRequest => Describe<FeaturesRequest>(message, out text, out error),
            OfpType.FeaturesReply => Describe<FeaturesReply>(message, out text, out error),
            OfpType.GetConfigRequest => Describe<GetConfigRequest>(message, out text, out error),
            OfpType.GetConfigReply => Describe<GetConfigReply>(message, out text, out error),
            OfpType.SetConfig => Describe<SetConfig>(message, out text, out error),
            OfpType.PacketIn => Describe<PacketIn>(message, out text, out error),
            OfpType.FlowRemoved => Describe<FlowRemoved>(message, out text, out error),
            OfpType.PortStatus => Describe<PortStatus>(message, out text, out error),
            OfpType.PacketOut => Describe<PacketOut>(message, out text, out error),
            OfpType.FlowMod => Describe<FlowMod>(message, out text, out error),
            OfpType.GroupMod => Describe<GroupMod>(message, out text, out error),
            OfpType.PortMod => Describe<PortMod>(message, out text, out error),
            OfpType.TableMod => Describe<TableMod>(message, out text, out error),
            OfpType.BarrierRequest => Describe<BarrierRequest>(message, out text, out error),
            OfpType.BarrierReply => Describe<BarrierReply>(message, out text, out error),
            OfpType.RoleRequest => Describe<RoleRequest>(message, out text, out error),
            OfpType.RoleReply => Describe<RoleReply>(message, out text, out error),
            OfpType.GetAsyncRequest => Describe<GetAsyncRequest>(message, out text, out error),
            OfpType.GetAsyncReply => Describe<GetAsyncReply>(message, out text, out error),
            OfpType.SetAsync => Describe<SetAsync>(message, out text, out error),
            OfpType.MeterMod => Describe<MeterMod>(message, out text, out error),
            OfpType.MultipartRequest => OfpCodec.PeekMultipartType(body) switch
            {
                OfpMultipartType.Desc => Describe<DescRequest>(message, out text, out error),
                OfpMultipartType.Flow => Describe<FlowStatsRequest>(message, out text, out error),
                OfpMultipartType.Aggregate => Describe<AggregateStatsRequest>(message, out text, out error),
                OfpMultipartType.Table => Describe<TableStatsRequest>(message, out text, out error),
                OfpMultipartType.PortStats => Describe<PortStatsRequest>(message, out text, out error),
                OfpMultipartType.Group => Describe<GroupStatsRequest>(message, out text, out error),
                OfpMultipartType.GroupDesc => Describe<GroupDescRequest>(message, out text, out error),
                OfpMultipartType.PortDesc => Describe<PortDescRequest>(message, out text, out error),
                OfpMultipartType.Meter => Describe<MeterStatsRequest>(message, out text, out error),
                OfpMultipartType.MeterConfig => Describe<MeterConfigRequest>(message, out text, out error),
                OfpMultipartType.MeterFeatures => Describe<MeterFeaturesRequest>(message, out text, out error),
                _ => Unknown(OfpBadRequestCode.BadMultipart, "ofp_multipart.type", out error),
            },
            OfpType.MultipartReply => OfpCodec.PeekMultipartType(body) switch
            {
                OfpMultipartType.Desc => Describe<DescReply>(message, out text, out error),
                OfpMultipartType.Flow => Describe<FlowStatsReply>(message, out text, out error),
                OfpMultipartType.Aggregate => Describe<AggregateStatsReply>(message, out text, out error),
                OfpMultipartType.Table => Describe<TableStatsReply>(message, out text, out error),
                OfpMultipartType.PortStats => Describe<PortStatsReply>(message, out text, out error),
                OfpMultipartType.Group => Describe<GroupStatsReply>(message, out text, out error),
                OfpMultipartType.GroupDesc => Describe<GroupDescReply>(message, out text, out error),
                OfpMultipartType.PortDesc => Describe<PortDescReply>(message, out text, out error),
                OfpMultipartType.Meter => Describe<MeterStatsReply>(message, out text, out error),
                OfpMultipartType.MeterConfig => Describe<MeterConfigReply>(message, out text, out error),
                OfpMultipartType.MeterFeatures => Describe<MeterFeaturesReply>(message, out text, out error),
                _ => Unknown(OfpBadRequestCode.BadMultipart, "ofp_multipart.type", out error),
            },
            _ => Unknown(OfpBadRequestCode.BadType, "ofp_header.type", out error),
        };
    }

    private static bool Describe<T>(ReadOnlyMemory<byte> message, out string text, out OfpDecodeError error)
        where T : struct, IOfpMessage<T>
    {
        // ToString enumerates nested lists, so rendering is also the deepest validation there is.
        text = OfpCodec.TryDecode<T>(message, out var value, out error) ? value.ToString() ?? "" : "";
        return !error.IsError;
    }

    private static bool Unknown(OfpBadRequestCode code, string what, out OfpDecodeError error)
    {
        error = new OfpDecodeError(OfpErrorCode.Of(code), 1, what);
        return false;
    }
}
