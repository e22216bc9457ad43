using System.Net.Sockets;
using System.Text;

namespace LabTool;

/// <summary>
/// labtool http-abort --port P --name NAME [--bind 0.0.0.0] [--partial]
///
/// A server application that resets established connections on purpose: it accepts each connection,
/// reads the request head, and closes with a TCP reset (SO_LINGER 0) instead of answering. With
/// --partial it first sends the status line and part of the headers. The kernel completed the
/// handshake, so a client sees a reset after connecting, never a refusal: what passive health must
/// not take for a dead port. Runs until SIGINT/SIGTERM.
/// </summary>
static class HttpAbort
{
    static readonly TimeSpan HeadWait = TimeSpan.FromSeconds(5);

    public static int Run(Options o) => RunAsync(o).GetAwaiter().GetResult();

    static async Task<int> RunAsync(Options o)
    {
        var (local, name) = HttpServers.Common(o);
        bool partial = o.Flag("partial");
        o.CheckAllUsed();
        // Not a whole head: the status line, X-Server, and a header cut in the middle.
        var partialHead = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nX-Server: {name}\r\nContent-Le");

        var (stop, signals) = HttpServers.StopOnSignal();
        using var listener = HttpServers.Listen(local, 128);
        Console.WriteLine($"http-abort {name}: listening on {local}; each request is answered with a TCP reset" +
                          (partial ? " after a partial head" : ""));
        long reset = 0, gone = 0;
        var open = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Socket client;
                try { client = await listener.AcceptAsync(stop.Token); }
                catch (OperationCanceledException) { break; }
                catch (SocketException) { continue; }
                open.RemoveAll(t => t.IsCompleted);
                open.Add(Task.Run(async () =>
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    wait.CancelAfter(HeadWait);
                    if (!await HttpServers.ReadHeadAsync(client, wait.Token))
                    {
                        Interlocked.Increment(ref gone);
                        client.Dispose();
                        return;
                    }
                    if (partial)
                    {
                        client.NoDelay = true;
                        try
                        {
                            client.Send(partialHead);
                            // Let the segment leave before the reset overtakes and discards it.
                            await Task.Delay(5);
                        }
                        catch (SocketException) { }
                    }
                    HttpServers.Abort(client);
                    Interlocked.Increment(ref reset);
                }));
            }
            await Task.WhenAll(open);
        }
        finally
        {
            foreach (var s in signals) s.Dispose();
            stop.Dispose();
        }
        Console.WriteLine($"http-abort {name}: reset {reset} connection(s){(gone > 0 ? $"; {gone} closed by the client before a whole request" : "")}");
        return 0;
    }
}
