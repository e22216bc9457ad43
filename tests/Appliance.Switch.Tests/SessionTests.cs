using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Switch.Tests;

[TestClass]
public sealed class SessionTests
{
    private const ulong Dpid = TcpListenerRig.Dpid;

    private static SwitchListener Listen(RecordingHandler handler, TimeProvider? time = null, SwitchSessionOptions? options = null, DatapathBinding? binding = null) =>
        TcpListenerRig.Listen(handler, time, options, binding);

    private static Task<(SwitchListener, RecordingHandler, FakeSwitch, SwitchSession)> ConnectedAsync(TimeProvider? time = null) =>
        TcpListenerRig.ConnectedAsync(time, FakeSwitch.Port(1), FakeSwitch.Port(2), FakeSwitch.Port(OfpPort.Local));

    [TestMethod]
    public async Task HandshakeLearnsDatapathAndPorts()
    {
        var (listener, _, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            Assert.AreEqual(Dpid, session.DatapathId);
            CollectionAssert.AreEqual(new[] { 1u, 2u, OfpPort.Local }, session.Ports.Keys.ToArray());
            Assert.AreSame(session, listener.Current);
        }
    }

    [TestMethod]
    public async Task PeerWithoutOpenFlow13GetsHelloFailed()
    {
        var handler = new RecordingHandler();
        await using var listener = Listen(handler);
        await using var fake = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        // An OpenFlow 1.0 switch: HELLO with version 1 and no bitmap.
        await fake.SendRawAsync(Hex("01 00 0008 00000001"));
        await fake.ReceiveAsync<Hello>();
        var (header, error) = await fake.ReceiveAsync<ErrorMsg>();
        Assert.AreEqual(OfpErrorCode.Of(OfpHelloFailedCode.Incompatible), error.Code);
        StringAssert.Contains(Encoding.ASCII.GetString(error.Data.Span), "OpenFlow 1.3");
        Assert.IsNull(await fake.ReceiveAsync(), "the controller closes the connection");
        Assert.IsEmpty(handler.Connected);
    }

    [TestMethod]
    public async Task BitmapWithoutOneThreeIsRefusedEvenWithANewerHeader()
    {
        var handler = new RecordingHandler();
        await using var listener = Listen(handler);
        await using var fake = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        await fake.SendAsync(new Hello((1u << 5) | (1u << 6))); // 1.4 and 1.5 only
        await fake.ReceiveAsync<Hello>();
        var (_, error) = await fake.ReceiveAsync<ErrorMsg>();
        Assert.AreEqual(OfpErrorType.HelloFailed, error.Code.Type);
    }

    [TestMethod]
    public async Task EchoRequestIsAnsweredWithItsXidAndData()
    {
        var (listener, _, fake, _) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            await fake.SendAsync(new EchoRequest(new byte[] { 7, 7, 7 }), 4242);
            var (header, reply) = await fake.ReceiveAsync<EchoReply>();
            Assert.AreEqual(4242u, header.Xid);
            CollectionAssert.AreEqual(new byte[] { 7, 7, 7 }, reply.Data.Span.ToArray());
        }
    }

    [TestMethod]
    public async Task UnknownMessageTypeGetsBadTypeQuotingIt()
    {
        var (listener, _, fake, _) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            var unknown = Hex("04 63 000c 00000099 deadbeef");
            await fake.SendRawAsync(unknown);
            var (header, error) = await fake.ReceiveAsync<ErrorMsg>();
            Assert.AreEqual(0x99u, header.Xid);
            Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadType), error.Code);
            CollectionAssert.AreEqual(unknown, error.Data.Span.ToArray());
        }
    }

    [TestMethod]
    public async Task MalformedPortStatusGetsBadLenAndTheSessionLives()
    {
        var (listener, handler, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            var status = OfpCodec.Encode(new PortStatus(OfpPortReason.Modify, FakeSwitch.Port(1, live: false)), 5);
            var cut = status[..40];
            cut[3] = 40; // a header that agrees with the cut length: the body is what is short
            await fake.SendRawAsync(cut);
            var (_, error) = await fake.ReceiveAsync<ErrorMsg>();
            Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadLen), error.Code);
            Assert.IsEmpty(handler.PortStatuses);
            Assert.IsFalse(session.IsClosed);
        }
    }

    [TestMethod]
    public async Task PortStatusUpdatesThePortsAndReachesTheHandler()
    {
        var (listener, handler, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            await fake.SendAsync(new PortStatus(OfpPortReason.Modify, FakeSwitch.Port(1, live: false)));
            await handler.WaitForAsync(h => h.PortStatuses.Count == 1, "port status");
            Assert.IsFalse(session.Ports[1].IsLive);
            await fake.SendAsync(new PortStatus(OfpPortReason.Delete, FakeSwitch.Port(2)));
            await handler.WaitForAsync(h => h.PortStatuses.Count == 2, "port delete");
            Assert.IsFalse(session.Ports.ContainsKey(2));
        }
    }

    [TestMethod]
    public async Task BatchReportsWhichMessageTheSwitchRefused()
    {
        var (listener, _, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            IOfpMessage[] batch = [new FlowMod { Priority = 1 }, new FlowMod { Priority = 2 }, new FlowMod { Priority = 3 }];
            var applying = session.ApplyAsync(batch);
            var (first, _) = await fake.ReceiveAsync<FlowMod>();
            var (second, refused) = await fake.ReceiveAsync<FlowMod>();
            var (third, _) = await fake.ReceiveAsync<FlowMod>();
            var (barrier, _) = await fake.ReceiveAsync<BarrierRequest>();
            Assert.AreEqual(2, refused.Priority);
            Assert.AreEqual(3, new[] { first.Xid, second.Xid, third.Xid, barrier.Xid }.Distinct().Count() - 1, "distinct xids");
            Assert.IsFalse(applying.IsCompleted, "not done before the barrier is answered");
            await fake.SendAsync(ErrorMsg.Refusing(OfpErrorCode.Of(OfpFlowModFailedCode.TableFull), OfpCodec.Encode(refused, second.Xid)), second.Xid);
            await fake.SendAsync(new BarrierReply(), barrier.Xid);
            var result = await applying;
            Assert.AreEqual(3, result.Count);
            var error = result.Errors.Single();
            Assert.AreEqual(1, error.Index);
            Assert.AreEqual(OfpErrorCode.Of(OfpFlowModFailedCode.TableFull), error.Code);
            Assert.AreEqual(batch[1], error.Message);
        }
    }

    [TestMethod]
    public async Task MultipartReplySplitOverMessagesIsJoined()
    {
        var (listener, _, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            var asking = session.MultipartAsync<PortDescRequest, PortDescReply, OfpPortDesc>(new PortDescRequest());
            var (request, _) = await fake.ReceiveAsync<PortDescRequest>();
            await fake.SendAsync(new PortDescReply(OfpMultipartFlags.More, new[] { FakeSwitch.Port(1) }), request.Xid);
            await fake.SendAsync(new PortDescReply(OfpMultipartFlags.More, new[] { FakeSwitch.Port(2) }), request.Xid);
            Assert.IsFalse(asking.IsCompleted);
            await fake.SendAsync(new PortDescReply(OfpMultipartFlags.None, new[] { FakeSwitch.Port(3) }), request.Xid);
            var ports = await asking;
            CollectionAssert.AreEqual(new[] { 1u, 2u, 3u }, ports.Select(p => p.PortNo).ToArray());
        }
    }

    [TestMethod]
    public async Task MeterConfigIsReadForEveryMeterAndItsPartsJoined()
    {
        var (listener, _, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            var asking = session.ReadMeterConfigAsync();
            var (request, body) = await fake.ReceiveAsync<MeterConfigRequest>();
            Assert.AreEqual(OfpMeter.All, body.MeterId);
            var first = new MeterConfig(OfpMeterFlags.Pktps | OfpMeterFlags.Burst, 1, [MeterBand.Drop(200, 50)]);
            var second = new MeterConfig(OfpMeterFlags.Kbps, 2, []);
            await fake.SendAsync(new MeterConfigReply(OfpMultipartFlags.More, [first]), request.Xid);
            Assert.IsFalse(asking.IsCompleted);
            await fake.SendAsync(new MeterConfigReply(OfpMultipartFlags.None, [second]), request.Xid);
            CollectionAssert.AreEqual(new[] { first, second }, (await asking).ToArray());
        }
    }

    [TestMethod]
    public async Task RequestRefusedWithErrorThrowsIt()
    {
        var (listener, _, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            var asking = session.RequestAsync<GetConfigRequest, GetConfigReply>(new GetConfigRequest());
            var (request, _) = await fake.ReceiveAsync<GetConfigRequest>();
            await fake.SendAsync(new ErrorMsg(OfpErrorCode.Of(OfpBadRequestCode.EPerm), OfpBytes.Empty), request.Xid);
            var thrown = await Assert.ThrowsExactlyAsync<OpenFlowErrorException>(() => asking);
            Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.EPerm), thrown.Error.Code);
        }
    }

    [TestMethod]
    public async Task SilentSwitchIsEchoedThenDeclaredDeadWithinThreeSeconds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (listener, handler, fake, session) = await ConnectedAsync(clock);
        await using (listener)
        await using (fake)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1250));
            var (_, echo) = await fake.ReceiveAsync<EchoRequest>();
            Assert.AreEqual(0, echo.Data.Length);
            Assert.IsFalse(session.IsClosed, "1.25 s of silence is not death");
            clock.Advance(TimeSpan.FromMilliseconds(1500));
            Assert.IsFalse(session.IsClosed, "2.75 s of silence is not death");
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await handler.WaitForAsync(h => h.Disconnected.Count == 1, "dead switch");
            StringAssert.Contains(handler.Disconnected[0].Reason, "silent");
            Assert.IsNull(listener.Current);
        }
    }

    [TestMethod]
    public async Task AnsweringEchoesKeepsTheSessionAlive()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (listener, _, fake, session) = await ConnectedAsync(clock);
        await using (listener)
        await using (fake)
        {
            for (var i = 0; i < 6; i++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(1250));
                var (header, echo) = await fake.ReceiveAsync<EchoRequest>();
                await fake.SendAsync(echo.Reply(), header.Xid);
                await Task.Delay(50); // let the receive loop note the reply
            }
            Assert.IsFalse(session.IsClosed, "7.5 s with answered echoes");
        }
    }

    [TestMethod]
    public async Task ReconnectFromTheSameDatapathReplacesTheSession()
    {
        var (listener, handler, fake, first) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            await using var again = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
            await again.HandshakeAsync(Dpid, FakeSwitch.Port(1));
            await handler.WaitForAsync(h => h.Connected.Count == 2, "the second session");
            var second = handler.Connected[1];
            Assert.AreNotEqual(first.Id, second.Id);
            Assert.IsTrue(first.IsClosed);
            Assert.AreSame(second, listener.Current);
            Assert.AreEqual(first, handler.Disconnected.Single().Session);
            Assert.IsTrue(await fake.ClosedByControllerAsync(), "the old connection is closed");
        }
    }

    [TestMethod]
    public async Task ASecondSwitchIsRefusedWhileTheFirstIsAlive()
    {
        var (listener, handler, fake, first) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            await using var other = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
            await other.GreetAsync(Dpid + 1, FakeSwitch.Port(1));
            Assert.IsNull(await other.ReceiveAsync(), "the other switch is disconnected");
            Assert.AreSame(first, listener.Current);
            Assert.HasCount(1, handler.Connected);
        }
    }

    [TestMethod]
    public async Task PendingRequestsFailWhenTheSwitchGoesAway()
    {
        var (listener, handler, fake, session) = await ConnectedAsync();
        await using (listener)
        {
            var asking = session.RequestAsync<GetConfigRequest, GetConfigReply>(new GetConfigRequest());
            await fake.ReceiveAsync<GetConfigRequest>();
            await fake.DisposeAsync();
            await Assert.ThrowsExactlyAsync<SwitchDisconnectedException>(() => asking);
            await handler.WaitForAsync(h => h.Disconnected.Count == 1, "disconnect");
        }
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
