using System.Diagnostics;
using System.Globalization;

namespace Appliance.Bench;

/// <summary>
/// The resident memory of a process (VmRSS in /proc/PID/status), sampled every 10 ms on a thread of its
/// own, so that a peak lasting a few tens of milliseconds is seen. Times are Stopwatch timestamps.
/// </summary>
internal sealed class MemorySampler : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    private readonly int _pid;
    private readonly List<(long At, long Kb)> _samples = [];
    private readonly Lock _lock = new();
    private readonly Thread _thread;
    private volatile bool _stop;

    public MemorySampler(int pid)
    {
        _pid = pid;
        _thread = new Thread(Sample) { IsBackground = true, Name = "rss sampler" };
        _thread.Start();
    }

    /// <summary>A line of /proc/PID/status in kB (VmRSS, VmHWM), or -1 when the process is gone.</summary>
    public static long StatusKb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }

    /// <summary>The highest sample between the two timestamps, in MB.</summary>
    public double PeakMb(long from, long to) => Of(from, to).DefaultIfEmpty(-1).Max() / 1024.0;

    /// <summary>The median sample between the two timestamps, in MB.</summary>
    public double MedianMb(long from, long to) => Stats.Of([.. Of(from, to).Select(kb => kb / 1024.0)]).Median;

    private List<long> Of(long from, long to)
    {
        lock (_lock) return [.. _samples.Where(s => s.At >= from && s.At <= to && s.Kb >= 0).Select(s => s.Kb)];
    }

    private void Sample()
    {
        while (!_stop)
        {
            var kb = StatusKb(_pid, "VmRSS");
            lock (_lock) _samples.Add((Stopwatch.GetTimestamp(), kb));
            Thread.Sleep(Period);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
