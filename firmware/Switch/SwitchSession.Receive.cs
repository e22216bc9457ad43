using System.Buffers.Binary;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace Appliance.Switch;

/// <summary>
/// The receive loop: splits the stream into messages, answers what the switch asks, hands
/// replies to the requests waiting for them and asynchronous messages to the handler. Everything
/// it holds is bounded: one fixed buffer, multipart reassembly (<see cref="PendingRequests"/>),
/// and the rate of asynchronous messages handed on (<see cref="MessageBudget"/>).
/// </summary>
public sealed partial class SwitchSession
{
    private async Task ReceiveLoopAsync()
    {
        // Two maximum-size messages: a whole one always fits after whatever partial one precedes it.
        var buffer = new byte[2 * OfpCodec.MaxMessageLength];
        var filled = 0;
        string reason;
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(filled), _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    reason = "connection closed by the switch";
                    break;
                }
                filled += read;
                var start = 0;
                while (filled - start >= OfpHeader.Size)
                {
                    var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(start + 2));
                    if (length < OfpHeader.Size) throw new InvalidDataException($"message length {length} is shorter than a header");
                    if (filled - start < length) break;
                    // Only a whole message is a sign of life: a peer trickling bytes is as dead as a silent one.
                    Volatile.Write(ref _lastReceived, _time.GetTimestamp());
                    await DispatchAsync(buffer.AsMemory(start, length)).ConfigureAwait(false);
                    start += length;
                }
                if (start > 0)
                {
                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (PeerLimitException e)
        {
            _refusals.Count(e.Reason);
            LogLimitBroken(Peer, e.Message);
            reason = e.Message;
        }
        catch (Exception e)
        {
            reason = $"receive failed: {e.Message}";
        }
        await CloseAsync(reason).ConfigureAwait(false);
    }

    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> message)
    {
        OfpHeader.TryRead(message.Span, out var header);
        if (!_helloReceived.Task.IsCompleted)
        {
            await ReceiveHelloAsync(header, message).ConfigureAwait(false);
            return;
        }
        if (header.Version != OfpHeader.Version13)
        {
            await RefuseAsync(new OfpDecodeError(OfpErrorCode.Of(OfpBadRequestCode.BadVersion), 0, "ofp_header.version"), header, message).ConfigureAwait(false);
            return;
        }
        switch (header.Type)
        {
            case OfpType.EchoRequest:
                if (OfpCodec.TryDecode<EchoRequest>(message, out var echo, out var echoError)) await SendAsync(echo.Reply(), header.Xid, _stop.Token).ConfigureAwait(false);
                else await RefuseAsync(echoError, header, message).ConfigureAwait(false);
                break;
            case OfpType.EchoReply:
                _pending.TryComplete(header, message); // a replacement probe waits for it; keepalive replies only prove life
                break;
            case OfpType.Hello:
                break;
            case OfpType.PortStatus:
                if (OfpCodec.TryDecode<PortStatus>(message, out var status, out var statusError)) OnPortStatus(status);
                else await RefuseAsync(statusError, header, message).ConfigureAwait(false);
                break;
            case OfpType.PacketIn:
                if (!_asyncBudget.TrySpend()) break; // the office LAN can cause these: dropped, never fatal
                if (OfpCodec.TryDecode<PacketIn>(message, out var packetIn, out var packetInError)) _handler.OnPacketIn(this, packetIn);
                else await RefuseAsync(packetInError, header, message).ConfigureAwait(false);
                break;
            case OfpType.FlowRemoved:
                if (!_asyncBudget.TrySpend()) break;
                if (OfpCodec.TryDecode<FlowRemoved>(message, out var removed, out var removedError)) _handler.OnFlowRemoved(this, removed);
                else await RefuseAsync(removedError, header, message).ConfigureAwait(false);
                break;
            case OfpType.Error:
                if (_pending.TryComplete(header, message) || !_asyncBudget.TrySpend()) break;
                if (OfpCodec.TryDecode<ErrorMsg>(message, out var error, out _))
                {
                    LogUnsolicitedError(error.Code, header.Xid);
                    _handler.OnUnsolicitedError(this, error);
                }
                break;
            case OfpType.FeaturesReply:
            case OfpType.GetConfigReply:
            case OfpType.MultipartReply:
            case OfpType.BarrierReply:
            case OfpType.RoleReply:
            case OfpType.GetAsyncReply:
            case OfpType.QueueGetConfigReply:
            case OfpType.Experimenter:
                if (!_pending.TryComplete(header, message)) LogUnexpectedReply(header.Type, header.Xid);
                break;
            default:
                await RefuseAsync(new OfpDecodeError(OfpErrorCode.Of(OfpBadRequestCode.BadType), 1, "ofp_header.type"), header, message).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask ReceiveHelloAsync(OfpHeader header, ReadOnlyMemory<byte> message)
    {
        if (header.Type == OfpType.Hello && OfpCodec.TryDecode<Hello>(message, out var hello, out _) && VersionNegotiation.Accepts(header.Version, hello))
        {
            _helloReceived.TrySetResult();
            return;
        }
        LogHelloFailed(Peer, header.Version, header.Type);
        await SendAsync(VersionNegotiation.Refusal(header.Version), header.Xid, _stop.Token).ConfigureAwait(false);
        _helloReceived.TrySetException(new InvalidOperationException($"peer does not speak OpenFlow 1.3 (version {header.Version}, {header.Type})"));
        _ = CloseAsync("HELLO_FAILED: no common OpenFlow version");
    }

    /// <summary>
    /// Keeps <see cref="Ports"/> current and tells the handler of real changes. A repeat of what we
    /// hold changes nothing and is not passed on; more changes than the budget allows end the
    /// session, since dropping one would leave the handler with a wrong link state.
    /// </summary>
    private void OnPortStatus(in PortStatus status)
    {
        var desc = status.Desc;
        var known = _ports.TryGetValue(desc.PortNo, out var held);
        if (status.Reason == OfpPortReason.Delete ? !known : known && held == desc) return;
        // A budget of its own: a PACKET_IN flood from the LAN must not make a real port change look like one.
        if (!_portStatusBudget.TrySpend())
        {
            throw new PeerLimitException(RefusalReason.Flood, $"more than {_options.AsyncMessagesPerSecond} PORT_STATUS changes a second");
        }
        ImmutableInterlocked.Update(ref _ports, (ports, reason) => reason == OfpPortReason.Delete ? ports.Remove(desc.PortNo) : ports.SetItem(desc.PortNo, desc), status.Reason);
        _handler.OnPortStatus(this, status);
    }

    /// <summary>Answers a message we cannot accept with the standard ERROR, quoting it; logged within the budget.</summary>
    private async ValueTask RefuseAsync(OfpDecodeError error, OfpHeader header, ReadOnlyMemory<byte> message)
    {
        if (_asyncBudget.TrySpend()) LogRefused(header.Type, header.Xid, error.ToString());
        await SendAsync(ErrorMsg.Refusing(error.Code, message), header.Xid, _stop.Token).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} offered no OpenFlow 1.3 (version {Version}, {Type}); sent HELLO_FAILED")]
    private partial void LogHelloFailed(string peer, byte version, OfpType type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused {Type} xid={Xid} from the switch: {Error}")]
    private partial void LogRefused(OfpType type, uint xid, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "switch reported {Code} for xid={Xid}, which no request waits for")]
    private partial void LogUnsolicitedError(OfpErrorCode code, uint xid);

    [LoggerMessage(Level = LogLevel.Debug, Message = "switch sent {Type} xid={Xid} that answers no pending request")]
    private partial void LogUnexpectedReply(OfpType type, uint xid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropping the session with {Peer}: {Reason}")]
    private partial void LogLimitBroken(string peer, string reason);
}
