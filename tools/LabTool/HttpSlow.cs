using System.Net.Sockets;

namespace LabTool;

/// <summary>
/// labtool http-slow --port P --name NAME [--bind 0.0.0.0] [--backlog 1] [--delay 500ms]
///
/// A merely busy server: listens with a small accept queue (--backlog), accepts one connection at a
/// time, and answers it (200, X-Server: NAME, like the lab's nginx) only --delay after its request
/// head came. Meanwhile the accept queue fills and the kernel drops further SYNs: clients time out
/// and retry, and are never refused or reset (unless net.ipv4.tcp_abort_on_overflow is 1, which the
/// tool reports and leaves alone). What passive health must not take for a dead port. Runs until
/// SIGINT/SIGTERM.
/// </summary>
static class HttpSlow
{
    static readonly TimeSpan HeadWait = TimeSpan.FromSeconds(5);
    const string AbortOnOverflow = "/proc/sys/net/ipv4/tcp_abort_on_overflow";

    public static int Run(Options o) => RunAsync(o).GetAwaiter().GetResult();

    static async Task<int> RunAsync(Options o)
    {
        var (local, name) = HttpServers.Common(o);
        int backlog = o.Int("backlog", 1, 0, 65535);
        var delay = o.Duration("delay", TimeSpan.FromMilliseconds(500));
        o.CheckAllUsed();
        var answer = HttpServers.Answer(name);

        var (stop, signals) = HttpServers.StopOnSignal();
        using var listener = HttpServers.Listen(local, backlog);
        Console.WriteLine($"http-slow {name}: listening on {local}, backlog {backlog}; one connection at a time, " +
                          $"each answered {delay.TotalMilliseconds:0} ms after its request");
        if (File.Exists(AbortOnOverflow) && File.ReadAllText(AbortOnOverflow).Trim() != "0")
            Console.WriteLine($"http-slow {name}: WARNING: {AbortOnOverflow} is not 0 here: a full queue resets connections");

        long answered = 0, gone = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Socket client;
                try { client = await listener.AcceptAsync(stop.Token); }
                catch (OperationCanceledException) { break; }
                catch (SocketException) { continue; }
                using (client)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    wait.CancelAfter(HeadWait);
                    if (!await HttpServers.ReadHeadAsync(client, wait.Token))
                    {
                        gone++;
                        continue;
                    }
                    try { await Task.Delay(delay, stop.Token); }
                    catch (OperationCanceledException) { break; }
                    try
                    {
                        client.Send(answer);
                        client.Shutdown(SocketShutdown.Send);
                        answered++;
                    }
                    catch (SocketException)
                    {
                        gone++; // the client gave up meanwhile
                    }
                }
            }
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
            stop.Dispose();
        }
        Console.WriteLine($"http-slow {name}: sent {answered} answer(s){(gone > 0 ? $"; {gone} client(s) gone before the answer" : "")}");
        return 0;
    }
}
