using LabTool;

// labtool: the lab's UDP echo responder, the clients that measure failover (new and held
// connections), misbehaving HTTP servers (resetting, busy), and the hostile office host (forged
// frames, SYN flood) (README.md).
// Exit codes: 0 ok, 1 ran but nothing answered, 2 bad command line.

const string Usage = """
usage: labtool VERB [options]
  udp-echo    --name NAME [--port 7] [--bind ADDR ...]
              answer each UDP datagram with its payload followed by "|NAME"
  udp-stream  --target IP:PORT [--rate 1000] [--duration 20s] [--size 64] [--grace 300ms]
              [--late 200ms] [--json FILE] [--live]
              paced, numbered datagrams to a udp-echo; reports loss, server switches and refusals
              (ICMP port/host unreachable)
  http-loop   --url URL [--duration 20s] [--interval 0] [--timeout 250ms] [--json FILE] [--live]
              repeated GETs on new connections; reports failures by kind and time (refused, reset,
              timeout, status) and server switches
  http-hold   --url URL [--connections 20] [--interval 10ms] [--duration 0] [--connect-timeout 1s]
              [--stall 50ms] [--silent 1s] [--json FILE] [--live]
              N kept-alive connections, a GET on each every interval; reports per connection
              the server, whether it was reset, closed or went silent, and its longest gap
  http-abort  --port P --name NAME [--bind ADDR] [--partial]
              server: reads each request head, then resets the connection (SO_LINGER 0) without
              an answer (--partial: after the status line and part of the headers)
  http-slow   --port P --name NAME [--bind ADDR] [--backlog 1] [--delay 500ms]
              server: one connection at a time, each answered (200, X-Server: NAME) after --delay;
              a full accept queue makes the kernel drop further SYNs (timeouts, never resets)
  forge       --type arp-request|arp-reply|udp [--interface eth0] [--eth-src MAC] [--eth-dst MAC]
              [--sha MAC] [--spa IP] [--tha MAC] [--tpa IP] [--src IP] [--dst IP] [--dport 9]
              [--count 1] [--interval 10ms]
              frames with any source MAC and address: ARP claiming an address, IPv4 from one
  syn-flood   --target IP:PORT --eth-dst MAC [--interface eth0] [--sources CIDR] [--rate 5000]
              [--duration 10s]
              TCP SYNs from random source addresses and ports, each a new connection
durations: 20s, 500ms, 2m or plain seconds; --duration 0 runs until SIGINT/SIGTERM (servers: always)
""";

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Write(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var verb = args[0];
    var rest = args[1..];
    return verb switch
    {
        "udp-echo" => UdpEcho.Run(new Options(rest, new HashSet<string>())),
        "udp-stream" => UdpStream.Run(new Options(rest, new HashSet<string> { "live" })),
        "http-loop" => HttpLoop.Run(new Options(rest, new HashSet<string> { "live" })),
        "http-hold" => HttpHold.Run(new Options(rest, new HashSet<string> { "live" })),
        "http-abort" => HttpAbort.Run(new Options(rest, new HashSet<string> { "partial" })),
        "http-slow" => HttpSlow.Run(new Options(rest, new HashSet<string>())),
        "forge" => Forge.Run(new Options(rest, new HashSet<string>())),
        "syn-flood" => SynFlood.Run(new Options(rest, new HashSet<string>())),
        _ => throw new UsageException($"unknown verb '{verb}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"labtool: {e.Message}");
    Console.Error.Write(Usage);
    return 2;
}
