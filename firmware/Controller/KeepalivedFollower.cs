using Appliance.Config;
using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

/// <summary>One line of keepalived's notify_fifo, e.g. <c>INSTANCE "lan" MASTER 150</c>.</summary>
public static class KeepalivedLine
{
    /// <summary>
    /// A VRRP instance's new state; other lines (groups, <c>MASTER_RX_LOWER_PRI</c>: <see cref="TryParseLowerPriority"/>) are not states.
    /// <c>STOP</c> (keepalived stopping) makes the path unknown again: a stopped keepalived hears
    /// nobody, which must not read as "the peer is gone".
    /// </summary>
    public static bool TryParse(string line, out string instance, out VrrpState state)
    {
        state = VrrpState.Init;
        if (!TrySplit(line, out instance, out var word)) return false;
        VrrpState? parsed = word switch
        {
            "MASTER" => VrrpState.Master,
            "BACKUP" => VrrpState.Backup,
            "FAULT" => VrrpState.Fault,
            "STOP" => VrrpState.Init,
            _ => null,
        };
        if (parsed is null)
        {
            instance = "";
            return false;
        }
        state = parsed.Value;
        return true;
    }

    /// <summary>
    /// <c>INSTANCE "lan" MASTER_RX_LOWER_PRI 150</c>: the instance, master here, heard an advert of lower priority, so
    /// the peer called itself master on that path a moment ago (both boxes were active, and it is standing down now).
    /// </summary>
    public static bool TryParseLowerPriority(string line, out string instance)
    {
        if (TrySplit(line, out instance, out var word) && word == "MASTER_RX_LOWER_PRI") return true;
        instance = "";
        return false;
    }

    private static bool TrySplit(string line, out string instance, out string word)
    {
        instance = word = "";
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0] != "INSTANCE" || parts[1].Length < 3 || parts[1][0] != '"' || parts[1][^1] != '"') return false;
        instance = parts[1][1..^1];
        word = parts[2];
        return true;
    }
}

/// <summary>
/// Follows keepalived for a box of a pair (docs/pair.md): reads its notify_fifo and tells the
/// controller each path's state; writes the policy's priority bonus (<see cref="PairStatus.Bonus"/>)
/// to keepalived's track file when it changes, so that both paths elect the active box, or the box
/// an operator's takeover or handover wants.
/// </summary>
public sealed class KeepalivedFollower(PairConfig config, ApplianceController controller, ILogger<KeepalivedFollower> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;
    private int? _written;

    /// <summary>
    /// Whether the track file says this box was active (the firmware restarted under a running
    /// keepalived): the active bonus, or a takeover's, whose keepalived elects this box.
    /// </summary>
    public static bool WasActive(PairConfig config)
    {
        try
        {
            return File.Exists(config.TrackFile) && int.TryParse(File.ReadAllText(config.TrackFile).Trim(), out var bonus) && bonus >= PairConfig.ActiveBonus;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Start()
    {
        controller.StatusChanged += OnStatus;
        _reading = Task.Factory.StartNew(() => ReadLoop(_stop.Token), _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void OnStatus(Api.ApplianceStatus status)
    {
        // The policy's bonus: its role's, or a takeover's or handover's while one is under way.
        if (status.Pair is not { } pair || pair.Bonus == _written) return;
        var bonus = pair.Bonus;
        _written = bonus;
        try
        {
            // Replaced whole (keepalived watches the file): never read half-written.
            var temp = config.TrackFile + ".new";
            File.WriteAllText(temp, $"{bonus}\n");
            File.Move(temp, config.TrackFile, overwrite: true);
            Log.BonusWritten(logger, bonus, config.TrackFile, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.BonusFailed(logger, config.TrackFile, e);
        }
    }

    private void ReadLoop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Opening a FIFO for reading waits for keepalived to open it; its end is keepalived
                // restarting: open it again.
                using var reader = new StreamReader(new FileStream(config.NotifyFifo, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1));
                while (!stop.IsCancellationRequested && reader.ReadLine() is { } line)
                {
                    if (KeepalivedLine.TryParse(line, out var instance, out var state) && PairConfig.Paths.Contains(instance))
                    {
                        controller.ReportPairPath(instance, state);
                    }
                    else if (KeepalivedLine.TryParseLowerPriority(line, out instance) && PairConfig.Paths.Contains(instance))
                    {
                        controller.ReportPeerStoodDown(instance);
                    }
                }
                // End of file: every writer closed the FIFO, i.e. keepalived stopped or died (the
                // kernel closes a killed process's descriptors). Nobody tells the peer this box is
                // alive any more: it takes over, and this box must not stay active beside it.
                if (!stop.IsCancellationRequested)
                {
                    Log.KeepalivedGone(logger, config.NotifyFifo, null);
                    controller.ReportKeepalivedLost("its notify_fifo was closed");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.FifoFailed(logger, config.NotifyFifo, e);
                stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        controller.StatusChanged -= OnStatus;
        await _stop.CancelAsync().ConfigureAwait(false);
        // A reader blocked in open() or read() on the FIFO ends with the process: it holds nothing.
        await Task.WhenAny(_reading, Task.Delay(TimeSpan.FromMilliseconds(200))).ConfigureAwait(false);
        _stop.Dispose();
    }

    private static class Log
    {
        public static readonly Action<ILogger, int, string, Exception?> BonusWritten =
            LoggerMessage.Define<int, string>(LogLevel.Information, new EventId(1, "PairBonus"), "pair: VRRP bonus {Bonus} written to {File}");

        public static readonly Action<ILogger, string, Exception?> BonusFailed =
            LoggerMessage.Define<string>(LogLevel.Error, new EventId(2, "PairBonusFailed"), "pair: cannot write keepalived's track file {File}");

        public static readonly Action<ILogger, string, Exception?> KeepalivedGone =
            LoggerMessage.Define<string>(LogLevel.Warning, new EventId(4, "PairKeepalivedGone"), "pair: keepalived closed its notify_fifo {Fifo} (stopped or died); waiting for it to open it again");

        public static readonly Action<ILogger, string, Exception?> FifoFailed =
            LoggerMessage.Define<string>(LogLevel.Warning, new EventId(3, "PairFifoFailed"), "pair: cannot read keepalived's notify_fifo {Fifo}; trying again in 1 s");
    }
}
