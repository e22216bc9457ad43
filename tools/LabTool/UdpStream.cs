using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace LabTool;

/// <summary>
/// labtool udp-stream --target IP:PORT [--rate 1000] [--duration 20s] [--size 64] [--grace 300ms]
///                    [--late 200ms] [--json FILE] [--live]
///
/// Sends numbered datagrams at a steady rate to a udp-echo responder (normally via the VIP) and
/// records, per sequence number, which server answered and when. Datagram layout (little endian):
///     0  "LTS1"           magic
///     4  u64 run id       random per run: answers to an earlier run are ignored
///    12  u64 sequence     0, 1, 2, ...
///    20  i64 send time    Stopwatch ticks (ns on Linux), for the round trip
///    28  zero padding up to --size bytes
/// The answer is that payload followed by "|name" (see UdpEcho).
///
/// Pacing: datagram i is due at start + i/rate and is sent by an absolute-deadline sleep plus a
/// short spin (Pacer), so 1 kHz really is 1 kHz. When the sender falls more than 10 ms behind
/// (the process was descheduled), the schedule restarts from now instead of bursting the backlog,
/// and the stall is counted.
///
/// An answer that comes back more than --late after its datagram left counts as lost (and as
/// late): a server that was frozen and thawed answers everything queued meanwhile, seconds too
/// late for any client, and those answers must not hide the outage.
///
/// Refusals: the socket reads the ICMP errors sent back (UdpErrorSocket): a datagram answered with port
/// or host unreachable is refused, and the quoted payload names it. Linux rate-limits those messages
/// (a burst of about 6, then one a second per peer), so after the first refusal most datagrams to a
/// dead port are simply unanswered: "lost after the first refusal" counts both.
/// </summary>
static class UdpStream
{
    const int HeaderSize = 28;
    static ReadOnlySpan<byte> Magic => "LTS1"u8;

    public static int Run(Options o)
    {
        var target = Options.ParseEndPoint("target", o.Require("target"), 7);
        double rate = o.Double("rate", 1000, 1, 1_000_000);
        var duration = o.Duration("duration", TimeSpan.FromSeconds(20));
        int size = o.Int("size", 64, HeaderSize, 1472);
        var grace = o.Duration("grace", TimeSpan.FromMilliseconds(300));
        var late = o.Duration("late", TimeSpan.FromMilliseconds(200));
        string? json = o.Get("json");
        bool live = o.Flag("live");
        o.CheckAllUsed();

        using var sock = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sock.ReceiveBufferSize = 4 << 20;
        sock.SendBufferSize = 4 << 20;
        sock.Bind(new IPEndPoint(IPAddress.Any, 0));

        long freq = Stopwatch.Frequency;
        double expectedCount = duration > TimeSpan.Zero ? rate * duration.TotalSeconds : rate * 60;
        var trace = new Trace((long)expectedCount);
        ulong runId = (ulong)Random.Shared.NextInt64();

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

        Console.WriteLine($"udp-stream to {target}: {(duration > TimeSpan.Zero ? $"{duration.TotalSeconds:0.###} s" : "until stopped")} " +
                          $"at {rate:0.###}/s, {size}-byte datagrams{(live ? "; switches as they happen:" : "")}");

        var watch = new LiveSwitchWatch(trace, live);
        ulong warmupId = runId ^ 0x5741524d55500000; // "WARMUP": answers are expected and ignored
        long stray = 0, lateAnswers = 0;
        long lateTicks = (long)(late.TotalSeconds * Stopwatch.Frequency);
        string? firstStray = null;
        bool receiving = true;

        var udp = UdpErrorSocket.Open(sock, target, size);
        long refused = 0, icmpOther = 0, firstRefusedSeq = -1, firstRefusedAt = 0;
        var receiver = new Thread(() =>
        {
            var buf = new byte[65536];
            while (Volatile.Read(ref receiving))
            {
                var (readable, error) = udp.Wait(20);
                while (error && udp.TryRead())
                {
                    var q = udp.Payload;
                    if (!udp.FromIcmp || !udp.WasSentToTarget || q.Length < 20 || !q[..4].SequenceEqual(Magic)
                        || BinaryPrimitives.ReadUInt64LittleEndian(q[4..]) != runId)
                        continue; // warm-up, an earlier run, a local error
                    if (udp.Type == UdpErrorSocket.DestinationUnreachable && udp.Code is UdpErrorSocket.PortUnreachable or UdpErrorSocket.HostUnreachable)
                    {
                        long refusedSeq = (long)BinaryPrimitives.ReadUInt64LittleEndian(q[12..]);
                        if (refused++ == 0) firstRefusedAt = Stopwatch.GetTimestamp();
                        if (firstRefusedSeq < 0 || refusedSeq < firstRefusedSeq) firstRefusedSeq = refusedSeq;
                    }
                    else icmpOther++;
                }
                while (readable)
                {
                    int n = udp.Receive(buf, out bool fromTarget);
                    if (n < 0) break;
                    long at = Stopwatch.GetTimestamp();
                    var p = buf.AsSpan(0, n);
                    if (n >= HeaderSize && BinaryPrimitives.ReadUInt64LittleEndian(p[4..]) == warmupId) continue;
                    if (!fromTarget || n < size + 2 || !p[..4].SequenceEqual(Magic)
                        || BinaryPrimitives.ReadUInt64LittleEndian(p[4..]) != runId || p[size] != (byte)'|')
                    {
                        // Not an answer to this run from the address we sent to (e.g. a server answering
                        // from its own address instead of the VIP): count it, never credit it.
                        if (stray++ == 0) firstStray = fromTarget ? "malformed reply" : $"reply from another address ({n} bytes)";
                        continue;
                    }
                    long seq = (long)BinaryPrimitives.ReadUInt64LittleEndian(p[12..]);
                    long sentAt = BinaryPrimitives.ReadInt64LittleEndian(p[20..]);
                    if (at - sentAt > lateTicks)
                    {
                        lateAnswers++;
                        continue;
                    }
                    short server = trace.Intern(p[(size + 1)..]);
                    if (trace.Record(seq, server, at, at - sentAt)) watch.OnAnswer(seq, server, at);
                }
            }
        })
        { IsBackground = true, Name = "receiver", Priority = ThreadPriority.AboveNormal };
        receiver.Start();

        // ---- sender (this thread) ----
        // Warm up first (JIT of the send, receive and pacing paths, libc binding): otherwise the
        // first datagrams leave tens of milliseconds late and their round trips look slow.
        Pacer.TightenTimerSlack();
        var payload = new byte[size];
        Magic.CopyTo(payload);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(4), warmupId);
        for (int i = 0; i < 5; i++)
        {
            Pacer.WaitUntil(Stopwatch.GetTimestamp() + freq / 1000);
            udp.Send(payload);
        }
        Thread.Sleep(20);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(4), runId);

        long t0 = Stopwatch.GetTimestamp();
        long startUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        watch.Start = t0;
        double period = freq / rate;
        long end = duration > TimeSpan.Zero ? t0 + (long)(duration.TotalSeconds * freq) : long.MaxValue;
        long maxLag = freq / 100; // 10 ms
        var stallLog = new List<(long At, long Length)>();
        long baseTime = t0, baseSeq = 0, stalls = 0, stalledTicks = 0, lastSend = t0, seqNo = 0;
        for (; !stop.IsCancellationRequested; seqNo++)
        {
            long due = baseTime + (long)((seqNo - baseSeq) * period);
            long now = Stopwatch.GetTimestamp();
            if (now - due > maxLag)
            {
                stalls++;
                stalledTicks += now - due;
                if (stallLog.Count < 100) stallLog.Add((due - t0, now - due));
                baseTime = due = now;
                baseSeq = seqNo;
            }
            if (due >= end) break;
            Pacer.WaitUntil(due);
            lastSend = Stopwatch.GetTimestamp();
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(12), (ulong)seqNo);
            BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(20), lastSend);
            udp.Send(payload); // false: no route while a link is down, and the datagram is lost
        }
        long sent = seqNo;
        double elapsed = (lastSend - t0) / (double)freq;

        // Let answers still in flight arrive, then stop the receiver.
        if (!stop.IsCancellationRequested) Thread.Sleep(grace);
        else Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(grace.TotalMilliseconds, 100)));
        Volatile.Write(ref receiving, false);
        receiver.Join();

        var a = new Analysis(trace, sent, t0, lastSend);
        double achieved = sent > 1 && elapsed > 0 ? (sent - 1) / elapsed : 0;
        Console.WriteLine();
        Console.WriteLine($"udp-stream to {target}: {elapsed.ToString("F3", CultureInfo.InvariantCulture)} s, " +
                          $"rate {rate:0.###}/s requested, {achieved.ToString("F1", CultureInfo.InvariantCulture)}/s achieved, " +
                          $"{stalls} sender stall(s){(stalls > 0 ? $" ({Report.Ms(stalledTicks):F1} ms)" : "")}");
        if (stalls > 0)
            Console.WriteLine("sender stalls: " + string.Join(", ", stallLog.Take(5).Select(x =>
                $"{Report.Ms(x.Length).ToString("F1", CultureInfo.InvariantCulture)} ms at {(Report.Ms(x.At) / 1000).ToString("F3", CultureInfo.InvariantCulture)} s")) +
                (stalls > 5 ? ", ..." : ""));
        if (stray > 0) Console.WriteLine($"stray datagrams ignored: {stray} (first: {firstStray})");
        if (lateAnswers > 0) Console.WriteLine($"answers later than {late.TotalMilliseconds:0} ms, counted as lost: {lateAnswers}");
        // Everything after the first refusal that went unanswered: refused, or lost on its way.
        long lostAfterRefusal = firstRefusedSeq < 0 ? 0 : trace.UnansweredBetween(firstRefusedSeq, sent);
        if (refused > 0)
            Console.WriteLine($"refused (ICMP port/host unreachable): {refused}, the first #{firstRefusedSeq} " +
                              $"at {(Report.Ms(firstRefusedAt - t0) / 1000).ToString("F4", CultureInfo.InvariantCulture)} s; " +
                              $"unanswered after it: {lostAfterRefusal}");
        if (icmpOther > 0) Console.WriteLine($"other ICMP errors: {icmpOther}");
        var report = new Report(a, t0, startUnixMs, "datagrams");
        report.PrintText(Console.Out);

        if (json is not null)
            report.WriteJson(json, j =>
            {
                j.WriteString("tool", "udp-stream");
                j.WriteString("target", target.ToString());
                j.WriteNumber("rate_requested", rate);
                j.WriteNumber("rate_achieved", Math.Round(achieved, 2));
                j.WriteNumber("duration_s", Math.Round(elapsed, 4));
                j.WriteNumber("payload_bytes", size);
                j.WriteNumber("sender_stalls", stalls);
                j.WriteNumber("sender_stalled_ms", Math.Round(Report.Ms(stalledTicks), 3));
                j.WriteNumber("stray", stray);
                j.WriteNumber("late", lateAnswers);
                j.WriteNumber("late_after_ms", late.TotalMilliseconds);
                j.WriteNumber("refused", refused);
                if (refused > 0)
                {
                    j.WriteNumber("first_refused_seq", firstRefusedSeq);
                    j.WriteNumber("first_refused_ms", Math.Round(Report.Ms(firstRefusedAt - t0), 3));
                    j.WriteNumber("first_refused_unix_ms", Math.Round(startUnixMs + Report.Ms(firstRefusedAt - t0), 3));
                    j.WriteNumber("lost_after_first_refusal", lostAfterRefusal);
                }
                else
                {
                    j.WriteNull("first_refused_seq");
                    j.WriteNull("first_refused_ms");
                    j.WriteNull("first_refused_unix_ms");
                    j.WriteNull("lost_after_first_refusal");
                }
                j.WriteNumber("icmp_other", icmpOther);
                j.WriteStartArray("stalls");
                foreach (var (at, length) in stallLog)
                {
                    j.WriteStartObject();
                    j.WriteNumber("at_ms", Math.Round(Report.Ms(at), 3));
                    j.WriteNumber("ms", Math.Round(Report.Ms(length), 3));
                    j.WriteEndObject();
                }
                j.WriteEndArray();
            });
        return a.Answered > 0 ? 0 : 1;
    }
}
