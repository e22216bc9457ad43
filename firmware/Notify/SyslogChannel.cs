using System.Net;
using System.Net.Sockets;
using Appliance.Config;

namespace Appliance.Notify;

/// <summary>
/// RFC 5424 messages to a remote syslog server: a datagram each over UDP (RFC 5426; a lost one is
/// not known), or octet-counted over one TCP connection (RFC 6587), opened again after a failure.
/// </summary>
public sealed class SyslogChannel(SyslogConfig config, string hostname) : INotifyChannel
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private Socket? _tcp;

    public string Name => "syslog";

    public string Describe() => $"syslog (RFC 5424) over {(config.Transport == SyslogTransport.Tcp ? "tcp" : "udp")} to {config.Host}:{config.Port}";

    public async Task SendAsync(Delivery delivery, CancellationToken cancel)
    {
        var message = SyslogFormat.Format(delivery, hostname, Environment.ProcessId);
        if (config.Transport == SyslogTransport.Udp)
        {
            var address = await ResolveAsync(cancel).ConfigureAwait(false);
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            await udp.SendToAsync(message, new IPEndPoint(address, config.Port), cancel).ConfigureAwait(false);
            return;
        }
        try
        {
            // A server that closed the connection (restarted) would take the next send into the void: open anew.
            if (_tcp is not null && _tcp.Poll(0, SelectMode.SelectRead) && _tcp.Available == 0)
            {
                _tcp.Dispose();
                _tcp = null;
            }
            if (_tcp is null)
            {
                var address = await ResolveAsync(cancel).ConfigureAwait(false);
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, config.Port), cancel).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                _tcp = socket;
            }
            await _tcp.SendAsync(SyslogFormat.OctetCounted(message), SocketFlags.None, cancel).ConfigureAwait(false);
        }
        catch
        {
            _tcp?.Dispose();
            _tcp = null;
            throw;
        }
    }

    private async Task<IPAddress> ResolveAsync(CancellationToken cancel)
    {
        if (IPAddress.TryParse(config.Host, out var literal)) return literal;
        var addresses = await Dns.GetHostAddressesAsync(config.Host, AddressFamily.InterNetwork, cancel).ConfigureAwait(false);
        return addresses.Length > 0 ? addresses[0] : throw new SocketException((int)SocketError.HostNotFound);
    }

    public ValueTask DisposeAsync()
    {
        _tcp?.Dispose();
        _tcp = null;
        return ValueTask.CompletedTask;
    }
}
