using System.Diagnostics;
using System.Text;

namespace LabTool;

/// <summary>
/// What happened to each probe (a UDP datagram or an HTTP request), indexed by its sequence
/// number: which server answered, when the answer arrived and how long it took. Written by one
/// thread only (the receiver); read by the analysis after that thread has stopped.
/// </summary>
sealed class Trace
{
    public const short NoAnswer = -1;

    readonly List<string> _names = [];
    readonly List<byte[]> _nameBytes = [];
    short[] _server;
    long[] _at;       // Stopwatch ticks when the answer arrived
    long[] _latency;  // Stopwatch ticks from send to answer

    public Trace(long expected)
    {
        int n = (int)Math.Clamp(expected + 16, 1024, 100_000_000);
        _server = new short[n];
        Array.Fill(_server, NoAnswer);
        _at = new long[n];
        _latency = new long[n];
    }

    public IReadOnlyList<string> Names => _names;
    public int Capacity => _server.Length;
    public long Answered { get; private set; }
    public long Duplicates { get; private set; }

    public short ServerOf(long seq) => seq < _server.Length ? _server[seq] : NoAnswer;
    public long AnsweredAt(long seq) => _at[seq];
    public long LatencyOf(long seq) => _latency[seq];

    /// <summary>Index of a server name given as UTF-8 bytes; allocates only for a new name.</summary>
    public short Intern(ReadOnlySpan<byte> utf8)
    {
        for (int i = 0; i < _nameBytes.Count; i++)
            if (utf8.SequenceEqual(_nameBytes[i])) return (short)i;
        if (_names.Count >= short.MaxValue) return 0;
        _nameBytes.Add(utf8.ToArray());
        _names.Add(Encoding.UTF8.GetString(utf8));
        return (short)(_names.Count - 1);
    }

    public short Intern(string name) => Intern(Encoding.UTF8.GetBytes(name));

    /// <summary>Records an answer; false for a duplicate (the first answer counts).</summary>
    public bool Record(long seq, short server, long at, long latency)
    {
        if (seq >= _server.Length) Grow(seq);
        if (_server[seq] != NoAnswer) { Duplicates++; return false; }
        _server[seq] = server;
        _at[seq] = at;
        _latency[seq] = latency;
        Answered++;
        return true;
    }

    /// <summary>Sequence numbers in (after, before) that have no answer yet.</summary>
    public long UnansweredBetween(long after, long before)
    {
        long n = 0;
        for (long s = after + 1; s < before && s < _server.Length; s++)
            if (_server[s] == NoAnswer) n++;
        return n;
    }

    void Grow(long seq)
    {
        long want = Math.Max(seq + 1, (long)_server.Length * 2);
        if (want > 100_000_000) throw new InvalidOperationException("more than 100 million probes in one run");
        int n = (int)want, old = _server.Length;
        Array.Resize(ref _server, n);
        Array.Fill(_server, NoAnswer, old, n - old);
        Array.Resize(ref _at, n);
        Array.Resize(ref _latency, n);
    }
}

/// <summary>
/// Prints a line the moment the answering server changes (arrival order), for --live.
/// The final report recomputes switches in sequence order, which is the same unless answers
/// from two servers arrive interleaved.
/// </summary>
sealed class LiveSwitchWatch(Trace trace, bool enabled)
{
    /// <summary>Stopwatch time of the first probe; printed times are relative to it.</summary>
    public long Start { get; set; }

    short _current = Trace.NoAnswer;
    long _lastSeq = -1, _lastAt;

    public void OnAnswer(long seq, short server, long at)
    {
        if (enabled && _current != Trace.NoAnswer && server != _current)
        {
            double gapMs = Report.Ms(at - _lastAt);
            long lost = trace.UnansweredBetween(_lastSeq, seq);
            Console.WriteLine(
                $"{Report.Ms(at - Start) / 1000,9:F3} s  {trace.Names[_current]} -> {trace.Names[server]} after {gapMs:F1} ms, {lost} lost");
        }
        _current = server;
        _lastSeq = seq;
        _lastAt = at;
    }
}

/// <summary>Everything the report says, computed from a finished trace.</summary>
sealed class Analysis
{
    public sealed record Segment(string Server, long FirstSeq, long LastSeq, long Answers, long FirstAt, long LastAt);
    public sealed record Switch(string From, string To, long LastOldSeq, long FirstNewSeq, long LastOldAt, long FirstNewAt, long Lost);
    public sealed record LostRange(long FirstSeq, long LastSeq, string? Before, string? After, long? BeforeAt, long? AfterAt);

    public long Sent, Answered, Lost, Duplicates;
    public double LossPct;
    public readonly Dictionary<string, long> PerServer = new(StringComparer.Ordinal);
    public readonly List<Segment> Segments = [];
    public readonly List<Switch> Switches = [];
    public readonly List<LostRange> LostRanges = [];
    public long LongestGapTicks, LongestGapFrom, LongestGapTo, FirstAnswerTicks;
    public long[] LatenciesSorted = [];

    /// <param name="sent">probes sent: sequence numbers 0..sent-1</param>
    /// <param name="start">Stopwatch time of the first probe</param>
    /// <param name="end">Stopwatch time of the last probe sent</param>
    public Analysis(Trace trace, long sent, long start, long end)
    {
        Sent = sent;
        Duplicates = trace.Duplicates;
        var names = trace.Names;
        foreach (var n in names) PerServer[n] = 0;

        var arrivals = new List<long>((int)Math.Min(sent, int.MaxValue / 2));
        var lat = new List<long>(arrivals.Capacity);
        Segment? seg = null;
        long lostStart = -1;
        long prevSeq = -1;
        for (long s = 0; s < sent; s++)
        {
            short srv = trace.ServerOf(s);
            if (srv == Trace.NoAnswer)
            {
                if (lostStart < 0) lostStart = s;
                continue;
            }
            long at = trace.AnsweredAt(s);
            string name = names[srv];
            Answered++;
            PerServer[name]++;
            arrivals.Add(at);
            lat.Add(trace.LatencyOf(s));

            if (lostStart >= 0)
            {
                LostRanges.Add(new LostRange(lostStart, s - 1,
                    prevSeq >= 0 ? names[trace.ServerOf(prevSeq)] : null, name,
                    prevSeq >= 0 ? trace.AnsweredAt(prevSeq) : null, at));
                lostStart = -1;
            }

            if (seg is null) seg = new Segment(name, s, s, 1, at, at);
            else if (seg.Server == name) seg = seg with { LastSeq = s, Answers = seg.Answers + 1, LastAt = at };
            else
            {
                Segments.Add(seg);
                Switches.Add(new Switch(seg.Server, name, seg.LastSeq, s, seg.LastAt, at, s - seg.LastSeq - 1));
                seg = new Segment(name, s, s, 1, at, at);
            }
            prevSeq = s;
        }
        if (seg is not null) Segments.Add(seg);
        if (lostStart >= 0)
            LostRanges.Add(new LostRange(lostStart, sent - 1,
                prevSeq >= 0 ? names[trace.ServerOf(prevSeq)] : null, null,
                prevSeq >= 0 ? trace.AnsweredAt(prevSeq) : null, null));

        Lost = sent - Answered;
        LossPct = sent == 0 ? 0 : 100.0 * Lost / sent;

        // Longest stretch without any answer, in arrival order. The last probe sent counts as an
        // edge (a server that dies for good leaves a gap up to the end); the start does not, as the
        // first round trip includes warm-up (see FirstAnswerTicks, and the lost ranges).
        arrivals.Sort();
        FirstAnswerTicks = arrivals.Count > 0 ? arrivals[0] - start : -1;
        long prev = arrivals.Count > 0 ? arrivals[0] : start;
        LongestGapFrom = LongestGapTo = prev;
        foreach (var at in arrivals.Append(end))
        {
            if (at - prev > LongestGapTicks) { LongestGapTicks = at - prev; LongestGapFrom = prev; LongestGapTo = at; }
            prev = Math.Max(prev, at);
        }

        lat.Sort();
        LatenciesSorted = [.. lat];
    }

    public double LatencyPercentileMs(double p)
    {
        if (LatenciesSorted.Length == 0) return double.NaN;
        int i = (int)Math.Clamp(Math.Ceiling(p / 100 * LatenciesSorted.Length) - 1, 0, LatenciesSorted.Length - 1);
        return Report.Ms(LatenciesSorted[i]);
    }

    public double LatencyAvgMs => LatenciesSorted.Length == 0 ? double.NaN : Report.Ms((long)LatenciesSorted.Average());
}

