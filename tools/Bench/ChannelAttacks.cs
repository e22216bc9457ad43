using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Appliance.Bench;

/// <summary>
/// Scenarios 1 and 2 of <c>tools/bench hostile</c>: an OpenFlow peer that is (or tries to be) the firmware's
/// switch and then floods it with multipart parts, stalls it, trickles, or tries to take over a live session.
/// For the attacks that need the peer accepted as the switch, the lab's bridge is first sent elsewhere
/// (<see cref="HostileLab.DetachAsync"/>): the peer then connects where Open vSwitch would, with the bridge's own
/// datapath ID, as a process of root (which is what the firmware admits). Afterwards the bridge is given its
/// controller back and the time until the firmware holds it again is measured.
/// </summary>
internal static partial class ChannelAttacks
{
    /// <summary>How far the peer's clock for a session may run ahead of the firmware's (it starts when the request arrives there): measurement, not lateness.</summary>
    private const double PeerClockSlack = 5;

    private const int Rounds = 5;
    private const int TrickleRounds = 3;
    private const int HijackAttempts = 10;
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromMilliseconds(1750);
    private static readonly TimeSpan SlowPeerFor = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ApiInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Scenario 1: multipart replies flagged MORE for ever, in parts of ~64 KiB and of 16 bytes.</summary>
    public static async Task<string> MultipartAsync(HostileLab h)
    {
        Console.WriteLine("1. multipart replies that never end");
        var refusedBefore = await h.MetricAsync("appliance_switch_sessions_refused_total{reason=\"reply_too_large\"}");
        var logFrom = h.Firmware.Log.Length;
        var reattach = new List<double>();
        var runs = new Dictionary<string, List<MultipartRun>>();
        var idle = h.Memory.MedianMb(Stopwatch.GetTimestamp() - Stopwatch.Frequency, Stopwatch.GetTimestamp());
        foreach (var (variant, part) in new[] { ("~64 KiB parts", LargePart), ("16-byte parts", SmallPart) })
        {
            await h.DetachAsync();
            runs[variant] = [];
            for (var i = 1; i <= Rounds; i++)
            {
                var run = await MultipartRunAsync(h, part);
                runs[variant].Add(run);
                Console.WriteLine($"  {variant} {i}: {run.Parts} parts, {run.Bytes / 1048576.0:0.00} MiB written, dropped after {run.DropMs:0.0} ms; RSS {run.BeforeMb:0.0} -> peak {run.PeakMb:0.0} -> {run.AfterMb:0.0} MB; API {run.ApiStatus}");
            }
            reattach.Add(await h.ReattachAsync());
        }
        var refused = await h.MetricAsync("appliance_switch_sessions_refused_total{reason=\"reply_too_large\"}") - refusedBefore;
        var reasons = Reasons(h.Firmware.Log[logFrom..], DroppingLine());

        var t = new StringBuilder();
        t.AppendLine("## 1. A multipart reply that never ends (OpenFlow peer)");
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Tried**: the bridge's controller pointed elsewhere (it keeps forwarding with the firmware's rules), the bench's own OpenFlow 1.3 peer (the firmware's codec) connects to the firmware's socket as root, with the bridge's datapath ID and ports, and is admitted as the switch. The firmware then reads the switch's rules back (FLOW_STATS); the peer answers with parts flagged OFPMPF_REPLY_MORE as fast as the socket takes them, for ever: {Rounds} sessions with parts of ~64 KiB (1160 flow entries each), {Rounds} with empty 16-byte parts. The firmware's resident memory (VmRSS) is sampled every 10 ms; after each session `GET /api/status` must answer."));
        t.AppendLine();
        var sessions = runs.Values.Sum(r => r.Count);
        var all = runs.Values.SelectMany(r => r).ToList();
        var growth = all.Max(r => r.PeakMb - r.BeforeMb);
        t.AppendLine(Host.Inv($"**The box**: {(refused == sessions ? $"dropped each of the {sessions} sessions at its bound (4 MiB or 1024 parts per reply)" : $"**dropped {refused:0} of {sessions} sessions** at its bound")}, counted them (`appliance_switch_sessions_refused_total{{reason=\"reply_too_large\"}}` rose by {refused:0}), logged why (`{string.Join("`; `", reasons)}`) and {(all.All(r => r.ApiStatus == 200) ? "answered its API after every session" : "**did not answer its API after every session**")}. Its resident memory rose by at most **{growth:0.0} MB** during an attack."));
        t.AppendLine();
        t.AppendLine("| part size | sessions | written by the peer before the drop (median, max) | parts sent (median) | time to drop (median, min–max) | RSS before (median) | RSS peak during (max) | RSS 1 s after (median) | API answered after |");
        t.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (variant, list) in runs)
        {
            var bytes = Stats.Of([.. list.Select(r => r.Bytes / 1048576.0)]);
            var parts = Stats.Of([.. list.Select(r => (double)r.Parts)]);
            var drop = Stats.Of([.. list.Select(r => r.DropMs)]);
            t.AppendLine(Host.Inv($"| {variant} | {list.Count} | {bytes.Median:0.00} MiB, {bytes.Max:0.00} MiB | {parts.Median:0} | **{drop.Median:0.0} ms**, {drop.Min:0.0}–{drop.Max:0.0} ms | {Stats.Of([.. list.Select(r => r.BeforeMb)]).Median:0.0} MB | **{list.Max(r => r.PeakMb):0.0} MB** | {Stats.Of([.. list.Select(r => r.AfterMb)]).Median:0.0} MB | {list.Count(r => r.ApiStatus == 200)}/{list.Count} |"));
        }
        t.AppendLine();
        t.AppendLine(Host.Inv($"Before the issue's fix the firmware reassembled such a reply without limit: **75 MB → 1.7 GB in 5 s** (issue 12). Now: {idle:0.0} MB just before the first of these sessions, {all[^1].AfterMb:0.0} MB after the last, never more than {all.Max(r => r.PeakMb):0.0} MB (what a session made it allocate is freed when the garbage collector next runs, so the resident figure wanders by a few MB). \"Written\" counts what the peer's socket accepted, including what was still in the socket buffers when the firmware hung up (the firmware itself holds at most the bound). Bridge given back its controller after each series: firmware holding it again after {string.Join(" and ", reattach.Select(ms => Host.Inv($"{ms:0} ms")))}."));
        t.AppendLine();
        return t.ToString();
    }

    private sealed record MultipartRun(long Bytes, long Parts, double DropMs, double BeforeMb, double PeakMb, double AfterMb, int ApiStatus);

    private static readonly byte[] LargePart = OfpCodec.Encode(new FlowStatsReply(OfpMultipartFlags.More, [.. Enumerable.Repeat(new FlowStats(0, 1, 0, 100, 0, 0, OfpFlowModFlags.None, 0xbad, 0, 0, Appliance.OpenFlow.Match.Any, InstructionList.Empty), 1160)]), 0);

    private static readonly byte[] SmallPart = OfpCodec.Encode(new FlowStatsReply(OfpMultipartFlags.More, []), 0);

    private static async Task<MultipartRun> MultipartRunAsync(HostileLab h, byte[] template)
    {
        await Task.Delay(1000); // a quiet second to compare with
        var before = h.Memory.MedianMb(Stopwatch.GetTimestamp() - Stopwatch.Frequency, Stopwatch.GetTimestamp());
        using var peer = await h.AdmittedPeerAsync();
        var request = await WaitForAsync(peer, m => m.Multipart == OfpMultipartType.Flow);
        var part = (byte[])template.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(part.AsSpan(4), request.Header.Xid);
        var start = Stopwatch.GetTimestamp();
        var closed = Task.Run(async () =>
        {
            await peer.WaitClosedAsync(TimeSpan.FromSeconds(20), answerEcho: false);
            return Stopwatch.GetTimestamp();
        });
        long bytes = 0, parts = 0;
        using var give = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (!closed.IsCompleted)
            {
                await peer.SendRawAsync(part, give.Token);
                bytes += part.Length;
                parts++;
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the firmware hung up (or never did, which the drop time shows)
        }
        var end = await closed;
        await Task.Delay(1000);
        var after = h.Memory.MedianMb(end + (Stopwatch.Frequency / 2), Stopwatch.GetTimestamp());
        var peak = h.Memory.PeakMb(start, end + (Stopwatch.Frequency / 5));
        var api = await h.Api.OneAsync(ApiLoad.Status, Stopwatch.GetTimestamp());
        return new MultipartRun(bytes, parts, Stopwatch.GetElapsedTime(start, end).TotalMilliseconds, before, peak, after, h.Firmware.HasExited ? -1 : api.Status);
    }

    /// <summary>Scenario 2: a peer that never answers, one that answers each request just in time, one that trickles bytes, and a hijacker.</summary>
    public static async Task<string> StallAsync(HostileLab h, IReadOnlyList<ApiSample> quiet, string hijack)
    {
        Console.WriteLine("2. stalling and trickling peers");
        var reattach = new List<double>();

        // Never answers: the read-back is left unanswered (echo is answered, so the peer is alive).
        await h.DetachAsync();
        var giveUp = new List<(double Ms, string Why)>();
        var never = await WithApiLoadAsync(h, async () =>
        {
            for (var i = 1; i <= Rounds; i++)
            {
                var logFrom = h.Firmware.Log.Length;
                using var peer = await h.AdmittedPeerAsync();
                await WaitForAsync(peer, m => m.IsRequest);
                var asked = Stopwatch.GetTimestamp();
                var closed = await peer.WaitClosedAsync(TimeSpan.FromSeconds(15), answerEcho: true);
                giveUp.Add((closed ? Stopwatch.GetElapsedTime(asked).TotalMilliseconds : double.NaN, await WhyClosedAsync(h, logFrom)));
                Console.WriteLine($"  never answers {i}: session given up {giveUp[^1].Ms:0} ms after the request ({giveUp[^1].Why})");
            }
        });
        reattach.Add(await h.ReattachAsync());

        // Answers every request 1.75 s after it came (the firmware's timeout is 2 s).
        await h.DetachAsync();
        var slowFrom = h.Firmware.Log.Length;
        var slowAnswered = 0;
        var slowDropped = false;
        var slow = await WithApiLoadAsync(h, async () =>
        {
            using var peer = await h.AdmittedPeerAsync();
            var pending = new List<Task>();
            using var stop = new CancellationTokenSource(SlowPeerFor);
            while (true)
            {
                PeerMessage? message;
                try
                {
                    message = await peer.ReceiveAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                if (message is not { } m)
                {
                    slowDropped = true;
                    break;
                }
                if (m.Type == OfpType.EchoRequest) await peer.AnswerEchoAsync(m);
                else if (OpenFlowPeer.EmptyAnswer(m) is { } answer)
                {
                    pending.Add(AnswerLateAsync(peer, answer));
                    slowAnswered++;
                }
            }
            await Task.WhenAll(pending);
        });
        Console.WriteLine($"  answers after {SlowAnswer.TotalSeconds} s: {slowAnswered} requests answered in {SlowPeerFor.TotalSeconds} s, dropped: {slowDropped}");
        var programmed = ProgrammedLine().Matches(h.Firmware.Log[slowFrom..]).Select(m => m.Groups[1].Value.Trim()).ToList();
        reattach.Add(await h.ReattachAsync());

        // Trickles: answers what adoption asks, then sends one byte every 2 s and no whole message.
        await h.DetachAsync();
        var dead = new List<(double Ms, string Why)>();
        var trickle = await WithApiLoadAsync(h, async () =>
        {
            for (var i = 1; i <= TrickleRounds; i++)
            {
                var logFrom = h.Firmware.Log.Length;
                using var peer = await h.AdmittedPeerAsync();
                // Adoption: the read-back and the rules; answered until the firmware has asked nothing for 500 ms.
                while (await peer.NextAsync(TimeSpan.FromMilliseconds(500)) is { } m)
                {
                    if (OpenFlowPeer.EmptyAnswer(m) is { } answer) await peer.SendRawAsync(answer);
                }
                var last = peer.LastSentAt;
                var closed = Task.Run(async () => await peer.WaitClosedAsync(TimeSpan.FromSeconds(15), answerEcho: false) ? Stopwatch.GetTimestamp() : 0);
                var trickling = 0;
                while (!closed.IsCompleted)
                {
                    try
                    {
                        // One byte at a time of an ECHO_REQUEST: whole only after its eighth byte, 14 s on.
                        await peer.SendRawAsync(TrickledEcho.AsMemory(trickling++ % TrickledEcho.Length, 1));
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                        break;
                    }
                    await Task.WhenAny(closed, Task.Delay(2000));
                }
                var end = await closed;
                dead.Add((end == 0 ? double.NaN : Stopwatch.GetElapsedTime(last, end).TotalMilliseconds, await WhyClosedAsync(h, logFrom)));
                Console.WriteLine($"  trickles {i}: declared dead {dead[^1].Ms:0} ms after its last whole message ({trickling} bytes trickled; {dead[^1].Why})");
            }
        });
        reattach.Add(await h.ReattachAsync());

        var t = new StringBuilder();
        t.AppendLine("## 2. A stalling, trickling or hijacking OpenFlow peer");
        t.AppendLine();
        t.AppendLine(Host.Inv($"**Tried**, as in scenario 1 with the peer admitted as the switch: (a) **never answers** the firmware's first request (echo is answered, so the peer looks alive), {Rounds} sessions one after the other; (b) **answers every request {SlowAnswer.TotalSeconds:0.00} s after it came** (just before the 2 s timeout), one session for {SlowPeerFor.TotalSeconds:0} s; (c) **trickles**: answers what the firmware asks while adopting it, then sends one byte every 2 s and no whole message, {TrickleRounds} sessions. Meanwhile the bench sends API requests one after the other, one every {ApiInterval.TotalMilliseconds:0} ms: `POST /api/failback` with the token (the controller loop handles and answers it, so its latency is the loop's; it is refused with 409 \"master is already serving\" or similar, changing nothing) alternating with `GET /api/status`. The same load without any attack, with the real switch attached, is the reference."));
        t.AppendLine();
        var reference = ApiLoad.Figures(quiet, ApiLoad.Failback);
        var attacked = new[] { never, slow, trickle }.Select(s => ApiLoad.Figures(s, ApiLoad.Failback)).ToList();
        var unanswered = new[] { never, slow, trickle }.Sum(s => s.Count(a => a.Status is 0 or >= 500));
        t.AppendLine(Host.Inv($"**The box**: {(unanswered == 0 ? "answered every API request" : $"**left {unanswered} API requests unanswered**")} while the peers stalled; the controller loop's p99 was {attacked.Max(f => f.P99):0.0} ms at worst during the attacks, against {reference.P99:0.0} ms without one. It gave up an unanswered request at its 2 s timeout, kept a peer that answers slowly but in time (a slow switch is not a dead one), and declared a trickling peer dead for silence."));
        t.AppendLine();
        t.AppendLine("| while | requests | answered | loop (`POST /api/failback`) median | p99 | max | `GET /api/status` median | p99 | max |");
        t.AppendLine("|---|---|---|---|---|---|---|---|---|");
        LatencyRow(t, "no attack, real switch (reference)", quiet);
        LatencyRow(t, "(a) a peer never answers", never);
        LatencyRow(t, "(b) a peer answers each request after 1.75 s", slow);
        LatencyRow(t, "(c) a peer trickles one byte every 2 s", trickle);
        t.AppendLine();
        var g = Stats.Of([.. giveUp.Select(r => r.Ms)]);
        var silence = dead.Where(r => r.Why.StartsWith("switch silent", StringComparison.Ordinal)).ToList();
        var d = Stats.Of([.. silence.Select(r => r.Ms)]);
        t.AppendLine("| figure | measured | target (issue 12) | before the fix (issue 12) |");
        t.AppendLine("|---|---|---|---|");
        t.AppendLine(Host.Inv($"| (a) unanswered request to session given up, at the peer ({giveUp.Count} sessions) | **{g.Median:0} ms** median, {g.Min:0}–{g.Max:0} ms | ≤ 2 s | 10 s, and the loop blocked meanwhile |"));
        t.AppendLine(Host.Inv($"| (b) requests answered after 1.75 s in {SlowPeerFor.TotalSeconds:0} s; session dropped | {slowAnswered}; {(slowDropped ? "**yes**" : "no (it answers in time, so it is a slow switch, not a dead one)")} | loop keeps serving | controller loop blocked ~27 s (watchdog gap 25 s, API press 27 s) |"));
        t.AppendLine(Host.Inv($"| (c) last whole message to session declared dead for silence, at the peer ({silence.Count} of {dead.Count} sessions) | **{d.Median:0} ms** median, {d.Min:0}–{d.Max:0} ms{(d.Max > 3000 + PeerClockSlack ? " (**misses the target**: below)" : "")} | ≤ 3 s | never (bytes counted as life) |"));
        t.AppendLine(Host.Inv($"| real bridge given its controller back after each attack → firmware holds it, rules confirmed | {string.Join(", ", reattach.Select(ms => Host.Inv($"{ms:0} ms")))} | | |"));
        t.AppendLine();
        t.AppendLine(Host.Inv($"Why the firmware ended the sessions, from its log: (a) {Tally(giveUp.Select(r => r.Why))}; (c) {string.Join("; ", dead.Select(r => Host.Inv($"`{r.Why}` after {r.Ms:0} ms")))}. {(programmed.Count == 0 ? "" : $"While (b) lasted the firmware adopted the slow peer and programmed it, one request at a time: `{string.Join("`; `", programmed)}`. ")}The times at the peer start when the request arrives there, a moment after the firmware's clock for it started: ±2 ms around 2 s is measurement."));
        if (dead.Count > silence.Count)
        {
            t.AppendLine("A trickling session that the firmware asked something meanwhile (it reads the rules' counters every 5 s) ends at that request's 2 s timeout, before the silence counts.");
        }
        if (d.Max > 3000 + PeerClockSlack)
        {
            t.AppendLine(Host.Inv($"**The trickle figure is above 3 s** by up to {d.Max - 3000:0} ms: liveness is checked every 250 ms (`SwitchSessionOptions.Tick`) and a session is declared dead at the last check before 3 s of silence, so death comes 2.75–3 s after the last whole message; more than that is the scheduling of both processes."));
        }
        t.AppendLine();
        t.Append(hijack);
        return t.ToString();
    }

    private static readonly byte[] TrickledEcho = OfpCodec.Encode(new EchoRequest(OfpBytes.Empty), 7);

    /// <summary>The reason the firmware logged for the session that ended since <paramref name="logFrom"/>.</summary>
    private static async Task<string> WhyClosedAsync(HostileLab h, int logFrom)
    {
        for (var i = 0; i < 50; i++)
        {
            if (DisconnectedLine().Match(h.Firmware.Log[logFrom..]) is { Success: true } m) return Xids().Replace(m.Groups[1].Value.Trim(), "xid N");
            await Task.Delay(20);
        }
        return "no reason logged";
    }

    private static async Task AnswerLateAsync(OpenFlowPeer peer, byte[] answer)
    {
        await Task.Delay(SlowAnswer);
        try
        {
            await peer.SendRawAsync(answer);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // the session ended meanwhile
        }
    }

    /// <summary>
    /// The hijack (scenario 2, with the real switch attached): connections presenting the live datapath ID
    /// while the real switch answers echo. Returns its part of the report.
    /// </summary>
    public static async Task<string> HijackAsync(HostileLab h)
    {
        Console.WriteLine("2. hijack attempts on the live session");
        const string refusedName = "appliance_switch_sessions_refused_total{reason=\"session_alive\"}";
        var refusedBefore = await h.MetricAsync(refusedName);
        var logFrom = h.Firmware.Log.Length;
        var stream = h.Lab.StartUdpStream(TimeSpan.FromSeconds(6));
        await Task.Delay(500);
        var refusals = new List<double>();
        var connectedAll = true;
        for (var i = 1; i <= HijackAttempts; i++)
        {
            using var peer = await OpenFlowPeer.ConnectAsync(h.Lab.Plan.Controller);
            var start = Stopwatch.GetTimestamp();
            await peer.GreetAsync(h.DatapathId, OpenFlowPeer.PortsOf(h.Lab));
            var closed = await peer.WaitClosedAsync(TimeSpan.FromSeconds(10), answerEcho: true);
            refusals.Add(closed ? Stopwatch.GetElapsedTime(start).TotalMilliseconds : double.NaN);
            connectedAll &= (await h.StatusAsync()).GetProperty("switch").GetProperty("connected").GetBoolean();
            await Task.Delay(300);
        }
        var udp = await stream.ResultAsync();
        var refused = await h.MetricAsync(refusedName) - refusedBefore;
        var log = h.Firmware.Log[logFrom..];
        var disconnects = DisconnectedLine().Matches(log).Count;
        var r = Stats.Of(refusals);
        Console.WriteLine($"  {HijackAttempts} attempts: refused {refused}, real session disconnected {disconnects} times, UDP {udp.GetProperty("lost").GetInt32()}/{udp.GetProperty("sent").GetInt32()} lost");

        var t = new StringBuilder();
        t.AppendLine(Host.Inv($"**Hijack** (real switch attached and answering echo): {HijackAttempts} connections, one every ~0.3 s, that present the live datapath ID (HELLO, FEATURES_REPLY, PORT_DESC) while a 1 kHz UDP stream runs through the VIP."));
        t.AppendLine();
        t.AppendLine("| figure | measured | before the fix (issue 12) |");
        t.AppendLine("|---|---|---|");
        t.AppendLine(Host.Inv($"| refused (`appliance_switch_sessions_refused_total{{reason=\"session_alive\"}}` rise) | **{refused:0} of {HijackAttempts}** | the newcomer replaced the live session |"));
        t.AppendLine(Host.Inv($"| greeting sent to connection closed by the firmware (it asks the live session for an echo first) | {r.Median:0.0} ms median, {r.Min:0.0}–{r.Max:0.0} ms | |"));
        t.AppendLine(Host.Inv($"| real session dropped meanwhile (firmware log) | {disconnects} times; `switch.connected` true after every attempt: {(connectedAll ? "yes" : "**no**")} | |"));
        t.AppendLine(Host.Inv($"| UDP through the VIP meanwhile | {udp.GetProperty("lost").GetInt32()} of {udp.GetProperty("sent").GetInt32()} lost | |"));
        t.AppendLine();
        return t.ToString();
    }

    /// <summary>"`a` (3×); `b` (1×)": each distinct text with how often it came.</summary>
    private static string Tally(IEnumerable<string> texts) =>
        string.Join("; ", texts.GroupBy(x => x).Select(g => Host.Inv($"`{g.Key}` ({g.Count()}×)")));

    private static async Task<List<ApiSample>> WithApiLoadAsync(HostileLab h, Func<Task> attack)
    {
        using var stop = new CancellationTokenSource();
        var load = h.Api.RunAsync(ApiInterval, stop.Token);
        try
        {
            await attack();
        }
        finally
        {
            await stop.CancelAsync();
        }
        return await load;
    }

    private static void LatencyRow(StringBuilder t, string what, IReadOnlyList<ApiSample> samples)
    {
        var loop = ApiLoad.Figures(samples, ApiLoad.Failback);
        var status = ApiLoad.Figures(samples, ApiLoad.Status);
        t.AppendLine(Host.Inv($"| {what} | {loop.Count + status.Count} | {loop.Answered + status.Answered} | **{loop.Median:0.0} ms** | {loop.P99:0.0} ms | {loop.Max:0.0} ms | {status.Median:0.0} ms | {status.P99:0.0} ms | {status.Max:0.0} ms |"));
    }

    private static async Task<PeerMessage> WaitForAsync(OpenFlowPeer peer, Func<PeerMessage, bool> wanted)
    {
        while (true)
        {
            var message = await peer.NextAsync(TimeSpan.FromSeconds(10)) ?? throw new LabException("the firmware closed the connection, or sent nothing for 10 s, before the request the attack waits for");
            if (wanted(message)) return message;
        }
    }

    /// <summary>The distinct reasons in the log lines <paramref name="line"/> matches (group 1).</summary>
    private static List<string> Reasons(string log, Regex line) =>
        [.. line.Matches(log).Select(m => m.Groups[1].Value.Trim()).Distinct()];

    [GeneratedRegex(@"dropping the session with [^:]*: (.*)")]
    private static partial Regex DroppingLine();

    [GeneratedRegex(@"switch [0-9a-f]{16} disconnected: (.*)")]
    private static partial Regex DisconnectedLine();

    [GeneratedRegex(@"(programmed \d+ changes in [0-9.]+ ms \([^)]*\))")]
    private static partial Regex ProgrammedLine();

    [GeneratedRegex(@"xid \d+")]
    private static partial Regex Xids();
}
