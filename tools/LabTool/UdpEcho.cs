using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace LabTool;

/// <summary>
/// labtool udp-echo --port 7 --name master [--bind ADDR ...]
///
/// Answers every datagram with the same bytes followed by '|' and the server name:
///     request  "hello"        reply  "hello|master"
/// so the sender learns which server answered. Any payload works (udp-stream's, or text).
///
/// One socket per local IPv4 address (all of them unless --bind is given) instead of one bound
/// to 0.0.0.0: a reply then always leaves from the address the request was sent to. That is what
/// DSR needs (requests to the VIP on loopback must be answered from the VIP, not from eth0's
/// address, which a 0.0.0.0 socket would pick). Addresses are read once at start.
///
/// No allocation per datagram: one buffer and one SocketAddress per socket, reused.
/// </summary>
static class UdpEcho
{
    public static int Run(Options o)
    {
        int port = o.Int("port", 7, 1, 65535);
        string name = o.Require("name");
        var binds = o.GetAll("bind");
        o.CheckAllUsed();
        if (name.Length is 0 or > 64 || name.Contains('|'))
            throw new UsageException("--name must be 1-64 characters without '|'");

        var addresses = binds.Count > 0
            ? binds.Select(b => IPAddress.TryParse(b, out var a) ? a : throw new UsageException($"--bind: bad address '{b}'")).ToList()
            : LocalIPv4Addresses();
        if (addresses.Count == 0) throw new UsageException("no local IPv4 address to listen on");

        byte[] suffix = Encoding.UTF8.GetBytes("|" + name);
        var sockets = new List<Socket>();
        foreach (var a in addresses)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            // Bursts at 1 kHz and above: a large receive queue rides out a scheduling hiccup.
            s.ReceiveBufferSize = 4 << 20;
            s.SendBufferSize = 4 << 20;
            s.Bind(new IPEndPoint(a, port));
            sockets.Add(s);
        }
        Console.WriteLine($"udp-echo {name}: answering on {string.Join(", ", addresses.Select(a => $"{a}:{port}"))}; reply = payload + \"|{name}\"");

        var threads = sockets.Select(s => new Thread(() => Serve(s, suffix)) { IsBackground = true, Name = "echo " + s.LocalEndPoint }).ToList();
        threads.ForEach(t => t.Start());
        // Runs until killed; SIGTERM/SIGINT end the process through the runtime's default handling.
        threads.ForEach(t => t.Join());
        return 0;
    }

    static void Serve(Socket s, byte[] suffix)
    {
        var buf = new byte[65536 + suffix.Length];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        while (true)
        {
            int n;
            try
            {
                n = s.ReceiveFrom(buf.AsSpan(0, 65536), SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue; // ICMP errors from earlier replies, truncated giants: keep serving
            }
            // A reply longer than UDP allows loses the tail of the payload, never the name.
            int keep = Math.Min(n, 65507 - suffix.Length);
            suffix.CopyTo(buf, keep);
            try
            {
                s.SendTo(buf.AsSpan(0, keep + suffix.Length), SocketFlags.None, from);
            }
            catch (SocketException)
            {
                // Unreachable sender, full queue: drop this reply like a real server would.
            }
        }
    }

    static List<IPAddress> LocalIPv4Addresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
            .Distinct()
            .ToList();
}
