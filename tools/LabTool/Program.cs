using LabTool;

// labtool: the lab's UDP echo responder and the clients that measure failover (README.md).
// Exit codes: 0 ok, 1 ran but nothing answered, 2 bad command line.

const string Usage = """
usage: labtool VERB [options]
  udp-echo    --name NAME [--port 7] [--bind ADDR ...]
              answer each UDP datagram with its payload followed by "|NAME"
  udp-stream  --target IP:PORT [--rate 1000] [--duration 20s] [--size 64] [--grace 300ms]
              [--json FILE] [--live]
              paced, numbered datagrams to a udp-echo; reports loss and server switches
  http-loop   --url URL [--duration 20s] [--interval 0] [--timeout 250ms] [--json FILE] [--live]
              repeated GETs on new connections; reports failures and server switches
durations: 20s, 500ms, 2m or plain seconds; --duration 0 runs until SIGINT/SIGTERM
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
        _ => throw new UsageException($"unknown verb '{verb}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"labtool: {e.Message}");
    Console.Error.Write(Usage);
    return 2;
}
