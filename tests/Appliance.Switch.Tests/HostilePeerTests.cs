using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Appliance.Switch.Tests;

/// <summary>A peer that tries to take the channel over, lock it, stall it or fill our memory.</summary>
[TestClass]
public sealed class HostilePeerTests
{
    private const ulong Dpid = TcpListenerRig.Dpid;

    private static SwitchListener Listen(RecordingHandler handler, TimeProvider? time = null, SwitchSessionOptions? options = null, DatapathBinding? binding = null) =>
        TcpListenerRig.Listen(handler, time, options, binding);

    private static Task<(SwitchListener, RecordingHandler, FakeSwitch, SwitchSession)> ConnectedAsync(TimeProvider? time = null) =>
        TcpListenerRig.ConnectedAsync(time, FakeSwitch.Port(1), FakeSwitch.Port(2));

    [TestMethod]
    public async Task ASquatterWithAnotherDatapathIdDoesNotLockTheSwitchOut()
    {
        var handler = new RecordingHandler();
        await using var listener = Listen(handler);
        await using var squatter = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        await squatter.GreetAsync(Dpid + 1, FakeSwitch.Port(1));
        Assert.IsNull(await squatter.ReceiveAsync(), "refused once its FEATURES_REPLY names another datapath");
        Assert.IsNull(listener.Current);
        Assert.AreEqual(1, listener.Refusals[RefusalReason.DatapathId]);

        await using var real = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        await real.HandshakeAsync(Dpid, FakeSwitch.Port(1));
        await handler.WaitForAsync(h => h.Connected.Count == 1, "the real switch");
        Assert.AreEqual(Dpid, listener.Current!.DatapathId);
    }

    [TestMethod]
    public async Task ADatapathThatOvsdbCannotConfirmIsRefused()
    {
        var handler = new RecordingHandler();
        await using var listener = Listen(handler, binding: DatapathBinding.FromOvsdb("br0", "/nonexistent/db.sock"));
        await using var fake = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        await fake.GreetAsync(Dpid, FakeSwitch.Port(1));
        Assert.IsNull(await fake.ReceiveAsync(), "no OVSDB, no confirmation, no session");
        Assert.IsEmpty(handler.Connected);
        Assert.AreEqual(1, listener.Refusals[RefusalReason.DatapathId]);
    }

    [TestMethod]
    public async Task ASecondConnectionOfTheSameDatapathDoesNotDisplaceASessionThatAnswersEcho()
    {
        var (listener, handler, fake, first) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            var answering = fake.AnswerEchoesAsync();
            await using var squatter = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
            await squatter.GreetAsync(Dpid, FakeSwitch.Port(1));
            Assert.IsNull(await squatter.ReceiveAsync(), "the newcomer is closed, not asked to become MASTER");
            Assert.AreSame(first, listener.Current);
            Assert.IsFalse(first.IsClosed);
            Assert.HasCount(1, handler.Connected);
            Assert.IsEmpty(handler.Disconnected);
            Assert.IsFalse(answering.IsCompleted, "the live switch keeps its connection");
            Assert.AreEqual(1, listener.Refusals[RefusalReason.SessionAlive]);
        }
    }

    [TestMethod]
    public async Task ASecondConnectionOfTheSameDatapathReplacesASessionThatNoLongerAnswers()
    {
        var (listener, handler, fake, first) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            // The old connection is silent (OVS restarted and its old socket is half dead): replaced promptly.
            var clock = Stopwatch.StartNew();
            await using var again = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
            await again.HandshakeAsync(Dpid, FakeSwitch.Port(1));
            await handler.WaitForAsync(h => h.Connected.Count == 2, "the new session");
            Assert.IsLessThan(2.5, clock.Elapsed.TotalSeconds, "replaced within the echo window and a handshake");
            Assert.IsTrue(first.IsClosed);
            Assert.AreSame(handler.Connected[1], listener.Current);
        }
    }

    [TestMethod]
    public async Task APeerTricklingOneByteEveryTwoSecondsIsDeadWithinThreeSeconds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (listener, handler, fake, session) = await ConnectedAsync(clock);
        await using (listener)
        await using (fake)
        {
            // Bytes of a header that never completes: no whole message, so no sign of life.
            await fake.SendRawAsync([0x04]);
            await Task.Delay(100);
            clock.Advance(TimeSpan.FromSeconds(2));
            await fake.SendRawAsync([0x02]);
            await Task.Delay(100);
            Assert.IsFalse(session.IsClosed, "2 s of silence is not death");
            clock.Advance(TimeSpan.FromMilliseconds(1250));
            await handler.WaitForAsync(h => h.Disconnected.Count == 1, "the trickling peer to be declared dead", TimeSpan.FromSeconds(5));
            StringAssert.Contains(handler.Disconnected[0].Reason, "silent");
        }
    }

    [TestMethod]
    public async Task ThreeSecondsAfterItsLastWholeMessageATricklingPeerIsDeadWhereverTheLivenessTickFalls()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (listener, handler, fake, session) = await ConnectedAsync(clock);
        await using (listener)
        await using (fake)
        {
            // The last whole message comes between two liveness ticks (they fall every 250 ms from the handshake).
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await fake.SendAsync(new EchoRequest(OfpBytes.Empty));
            await Task.Delay(100);
            await fake.SendRawAsync([0x04]);
            clock.Advance(TimeSpan.FromSeconds(2));
            await Task.Delay(100);
            Assert.IsFalse(session.IsClosed, "2 s of silence is not death");
            // In steps: the fake clock runs a periodic timer once per advance, however far it goes.
            for (var step = 0; step < 20; step++) clock.Advance(TimeSpan.FromMilliseconds(50));
            await handler.WaitForAsync(h => h.Disconnected.Count == 1, "the trickling peer to be declared dead 3 s after its last whole message", TimeSpan.FromSeconds(5));
            StringAssert.Contains(handler.Disconnected[0].Reason, "silent");
        }
    }

    [TestMethod]
    public async Task AnUnansweredRequestGivesTheSessionUpWithinTwoSeconds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (listener, handler, fake, session) = await ConnectedAsync(clock);
        await using (listener)
        await using (fake)
        {
            var asking = session.RequestAsync<GetConfigRequest, GetConfigReply>(new GetConfigRequest());
            await fake.ReceiveAsync<GetConfigRequest>();
            clock.Advance(TimeSpan.FromMilliseconds(1900));
            await Task.Delay(50);
            Assert.IsFalse(asking.IsCompleted, "1.9 s is within the timeout");
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsExactlyAsync<SwitchDisconnectedException>(() => asking.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.IsTrue(session.IsClosed);
        }
    }

    [TestMethod]
    public async Task APacketInFloodIsCutToTheBudgetAndNeverEndsTheSession()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow); // stands still: the budget does not refill
        var (listener, handler, fake, session) = await ConnectedAsync(clock);
        await using (listener)
        await using (fake)
        {
            var packetIn = OfpCodec.Encode(new PacketIn(0xffffffff, 60, OfpPacketInReason.Action, 0, 0, Match.Any, new byte[60]), 0);
            await fake.SendRawAsync([.. Enumerable.Repeat(packetIn, 1500).SelectMany(m => m)]);
            // A port change after the flood still gets through: it has a budget of its own.
            await fake.SendAsync(new PortStatus(OfpPortReason.Modify, FakeSwitch.Port(1, live: false)));
            await handler.WaitForAsync(h => h.PortStatuses.Count == 1, "the port change after the flood");
            Assert.AreEqual(new SwitchSessionOptions().AsyncMessagesPerSecond, handler.PacketIns);
            Assert.IsFalse(session.IsClosed);
        }
    }

    [TestMethod]
    public async Task RepeatedPortStatusIsNotPassedOnAndAFloodOfChangesEndsTheSession()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (listener, handler, fake, session) = await ConnectedAsync(clock);
        await using (listener)
        await using (fake)
        {
            var same = OfpCodec.Encode(new PortStatus(OfpPortReason.Modify, FakeSwitch.Port(1)), 0);
            await fake.SendRawAsync([.. Enumerable.Repeat(same, 2000).SelectMany(m => m)]);
            await fake.SendAsync(new PortStatus(OfpPortReason.Modify, FakeSwitch.Port(2, live: false)));
            await handler.WaitForAsync(h => h.PortStatuses.Count == 1, "the one real change");
            Assert.AreEqual(2u, handler.PortStatuses.Single().Desc.PortNo, "repeats of what the session holds are not changes");

            var flapping = Enumerable.Range(0, 1001).SelectMany(i => OfpCodec.Encode(new PortStatus(OfpPortReason.Modify, FakeSwitch.Port(1, live: i % 2 == 1)), 0));
            await fake.SendRawAsync([.. flapping]);
            await handler.WaitForAsync(h => h.Disconnected.Count == 1, "the flooding switch to be dropped");
            StringAssert.Contains(handler.Disconnected[0].Reason, "PORT_STATUS");
            Assert.AreEqual(1, listener.Refusals[RefusalReason.Flood]);
        }
    }

    [TestMethod]
    public async Task AMultipartReplyThatNeverEndsIsCutAtTheBound()
    {
        var (listener, handler, fake, session) = await ConnectedAsync();
        await using (listener)
        await using (fake)
        {
            var asking = session.MultipartAsync<PortDescRequest, PortDescReply, OfpPortDesc>(new PortDescRequest());
            var (request, _) = await fake.ReceiveAsync<PortDescRequest>();
            // Parts of ~64 KiB flagged MORE, 16 MiB in all unless the controller hangs up first.
            var part = OfpCodec.Encode(new PortDescReply(OfpMultipartFlags.More, Enumerable.Range(1, 1000).Select(p => FakeSwitch.Port((uint)p)).ToArray()), request.Xid);
            var sent = 0L;
            try
            {
                while (sent < 16L << 20)
                {
                    await fake.SendRawAsync(part);
                    sent += part.Length;
                }
            }
            catch (IOException)
            {
                // the controller closed the connection: what we want
            }
            var thrown = await Assert.ThrowsExactlyAsync<SwitchDisconnectedException>(() => asking.WaitAsync(TimeSpan.FromSeconds(10)));
            StringAssert.Contains(thrown.Message, "multipart");
            Assert.IsTrue(session.IsClosed);
            var bound = new SwitchSessionOptions().MaxMultipartBytes;
            Assert.IsLessThanOrEqualTo(bound, session.PeakMultipartBytes, "never held more than the bound");
            Assert.IsGreaterThan(bound - 2 * part.Length, session.PeakMultipartBytes, "cut at the bound, not before");
            Assert.AreEqual(1, listener.Refusals[RefusalReason.ReplyTooLarge]);
        }
    }
}
