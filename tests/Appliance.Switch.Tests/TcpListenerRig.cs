using System.Net;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Switch.Tests;

/// <summary>A listener on a loopback TCP port, and a fake switch connected to it, for the session tests.</summary>
internal static class TcpListenerRig
{
    /// <summary>The datapath ID the listener is bound to, unless a test binds it otherwise.</summary>
    public const ulong Dpid = 0xc0ffee;

    public static SwitchListener Listen(RecordingHandler handler, TimeProvider? time = null, SwitchSessionOptions? options = null, DatapathBinding? binding = null)
    {
        var listener = new SwitchListener(new IPEndPoint(IPAddress.Loopback, 0), handler, binding ?? DatapathBinding.Fixed(Dpid), options ?? new SwitchSessionOptions(), time ?? TimeProvider.System, NullLoggerFactory.Instance);
        listener.Start();
        return listener;
    }

    /// <summary>A fake switch with <paramref name="ports"/> that has connected and completed the handshake.</summary>
    public static async Task<(SwitchListener, RecordingHandler, FakeSwitch, SwitchSession)> ConnectedAsync(TimeProvider? time, params OfpPortDesc[] ports)
    {
        var handler = new RecordingHandler();
        var listener = Listen(handler, time);
        var fake = await FakeSwitch.ConnectAsync(listener.LocalEndPoint!);
        await fake.HandshakeAsync(Dpid, ports);
        await handler.WaitForAsync(h => h.Connected.Count == 1, "the session");
        return (listener, handler, fake, handler.Connected[0]);
    }
}
