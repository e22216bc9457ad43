using System.Globalization;
using System.Text;
using System.Text.Json;
using Appliance.Config;
using Microsoft.Extensions.Logging;

namespace Appliance.Api;

/// <summary>
/// A/B updates with RAUC (docs/api.md#update): receives or downloads a bundle into the spool, has RAUC check and install
/// it into the other slot in the background (never in the policy loop's way), tells progress and outcome as state and
/// events, asks the box for a reboot through a file, and tells once what the trial boot of an updated slot came to.
/// One operation at a time; what each input changes is <see cref="UpdateState"/>'s to say.
/// </summary>
public sealed partial class UpdateService : IAsyncDisposable
{
    /// <summary>The most a bundle may be, also with more free space (the image's slots are smaller).</summary>
    public const long MaxBundleBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Left free on the spool's file system: the state directory lives there too (events, operator state).</summary>
    public const long KeepFreeBytes = 32L * 1024 * 1024;

    /// <summary>rauc status is asked at most this often; GET /api/update may be asked four times a second.</summary>
    private static readonly TimeSpan SlotsFresh = TimeSpan.FromSeconds(5);

    /// <summary>A download that sends nothing for this long is given up.</summary>
    private static readonly TimeSpan DownloadSilence = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan LastBootPoll = TimeSpan.FromSeconds(2);

    private readonly EventLog _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Rauc _rauc;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _statusGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly string? _version;
    private UpdateState _state = UpdateState.Idle;
    private Task _work = Task.CompletedTask;
    private Task _watch = Task.CompletedTask;
    private RaucStatus? _slots;
    private long? _slotsAt;
    // Counts the installs' ends: a rauc status asked before one ended is not kept after it.
    private int _slotsGeneration;
    private (DateTime Stamp, LastBootDocument? Document)? _lastBoot;

    public UpdateService(UpdatePaths paths, EventLog events, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Paths = paths;
        _events = events;
        _time = time;
        _logger = logger;
        _rauc = new Rauc(paths.RaucCommand);
        _version = ReadVersion(paths.OsRelease);
        try
        {
            Directory.CreateDirectory(paths.Spool);
            // A bundle left by a firmware that stopped mid-operation would only take space.
            File.Delete(paths.Bundle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogSpoolProblem(paths.Spool, e.Message);
        }
    }

    public UpdatePaths Paths { get; }

    public UpdateState State
    {
        get
        {
            lock (_lock) return _state;
        }
    }

    /// <summary>The largest bundle taken now: the spool's free space less <see cref="KeepFreeBytes"/>, at most <see cref="MaxBundleBytes"/>.</summary>
    public long Limit()
    {
        try
        {
            var free = new DriveInfo(Paths.Spool).AvailableFreeSpace;
            // The old bundle's space is free again once it is replaced.
            if (File.Exists(Paths.Bundle)) free += new FileInfo(Paths.Bundle).Length;
            return Math.Clamp(free - KeepFreeBytes, 0, MaxBundleBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }

    /// <summary>GET /api/update.</summary>
    public async Task<UpdateDocument> DocumentAsync(CancellationToken cancel)
    {
        // The state first: once it says installed, the slots are read after the install's end.
        var state = State;
        var slots = await SlotsAsync(cancel).ConfigureAwait(false);
        return UpdateDocument.From(state, _version, slots, LastBoot());
    }

    /// <summary>
    /// POST /api/update with the bundle as the body: streamed into the spool (never held in memory), then installed in
    /// the background. 202 once it is on disk; else the status and why.
    /// </summary>
    /// <param name="length">Content-Length, when the client gave one.</param>
    public async Task<(int Status, string? Problem)> ReceiveAsync(Stream body, long? length, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(body);
        var limit = Limit();
        if (length > limit) return (413, TooLarge(length.Value, limit));
        if (!TryBegin(UpdateOperation.Receiving, length, "receiving the bundle", out var busy)) return (409, busy);
        LogReceiving(length?.ToString(CultureInfo.InvariantCulture) ?? "unknown");
        long received;
        try
        {
            received = await CopyAsync(body, limit, cancel).ConfigureAwait(false);
        }
        catch (BundleTooLargeException e)
        {
            Fail(e.Message);
            return (413, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            var why = e is UnauthorizedAccessException ? $"the bundle could not be stored in {Paths.Spool}: {e.Message}" : $"the upload did not complete: {e.Message}";
            Fail(why);
            return (e is UnauthorizedAccessException ? 500 : 400, why);
        }
        if (length is { } expected && received != expected)
        {
            var why = $"the upload ended after {received} of {expected} bytes";
            Fail(why);
            return (400, why);
        }
        StartInstall();
        return (202, null);
    }

    /// <summary>POST /api/update with <c>{"url": …}</c>: the download and the install run in the background. 202, or the status and why not.</summary>
    public (int Status, string? Problem) Download(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (400, "url must be an http:// or https:// address of a bundle");
        }
        if (!TryBegin(UpdateOperation.Downloading, null, $"downloading the bundle from {Shown(uri)}", out var busy)) return (409, busy);
        LogDownloading(Shown(uri));
        lock (_lock) _work = Task.Run(() => DownloadAsync(uri));
        return (202, null);
    }

    /// <summary>POST /api/update/reboot: the file that has the box reboot. 202, or the status and why not.</summary>
    public (int Status, string Message) Reboot()
    {
        lock (_lock)
        {
            if (_state.Busy) return (409, $"an update is {_state.OperationName}: reboot once it has ended");
        }
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(Paths.RebootFile)) is { } directory) Directory.CreateDirectory(directory);
            File.WriteAllText(Paths.RebootFile, $"reboot asked through the API at {_time.GetUtcNow():O}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (500, $"the reboot could not be asked for: {Paths.RebootFile}: {e.Message}");
        }
        LogReboot(Paths.RebootFile);
        return (202, "the box reboots now");
    }

    /// <summary>Starts watching last-boot.json (appliance run): its outcome is told once as an event.</summary>
    public void Start()
    {
        _watch = Task.Run(WatchLastBootAsync);
    }

    private bool TryBegin(UpdateOperation how, long? total, string message, out string busy)
    {
        lock (_lock)
        {
            if (_state.Begin(how, total, message) is not { } next)
            {
                busy = $"an update is already {_state.OperationName}: wait for it to end (GET /api/update)";
                return false;
            }
            _state = next;
            busy = "";
            return true;
        }
    }

    /// <param name="onChunk">Called after each chunk written (a download's silence starts again).</param>
    private async Task<long> CopyAsync(Stream source, long limit, CancellationToken cancel, Action? onChunk = null)
    {
        var buffer = new byte[256 * 1024];
        long total = 0;
        await using var file = new FileStream(Paths.Bundle, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        int read;
        while ((read = await source.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > limit) throw new BundleTooLargeException(TooLarge(total, limit));
            await file.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
            onChunk?.Invoke();
            // A lock and a record per chunk of up to 256 KiB: nothing beside the write itself.
            Update(s => s.Received(total));
        }
        return total;
    }

    private async Task DownloadAsync(Uri uri)
    {
        try
        {
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            silence.CancelAfter(DownloadSilence);
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, silence.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Fail($"the download from {Shown(uri)} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                return;
            }
            var limit = Limit();
            var length = response.Content.Headers.ContentLength;
            if (length > limit)
            {
                Fail(TooLarge(length.Value, limit));
                return;
            }
            Update(s => s with { Total = length });
            await using var body = await response.Content.ReadAsStreamAsync(silence.Token).ConfigureAwait(false);
            // Given up only after a silence: each chunk received restarts the wait.
            var received = await CopyAsync(body, limit, silence.Token, () => silence.CancelAfter(DownloadSilence)).ConfigureAwait(false);
            if (length is { } expected && received != expected)
            {
                Fail($"the download from {Shown(uri)} ended after {received} of {expected} bytes");
                return;
            }
        }
        catch (BundleTooLargeException e)
        {
            Fail(e.Message);
            return;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            Fail(e is OperationCanceledException ? $"the download from {Shown(uri)} stalled ({DownloadSilence.TotalSeconds:0} s without data)" : $"the download from {Shown(uri)} failed: {e.Message}");
            return;
        }
        catch (Exception e)
        {
            // Nobody awaits this task: anything else must still end the operation, or every later update is 409.
            Fail($"the download from {Shown(uri)} failed: {e.GetType().Name}: {e.Message}");
            return;
        }
        await InstallAsync().ConfigureAwait(false);
    }

    private void StartInstall()
    {
        lock (_lock) _work = Task.Run(InstallAsync);
    }

    /// <summary>The bundle is in the spool: RAUC checks its signature, then installs it; the bundle is removed after either.</summary>
    private async Task InstallAsync()
    {
        var started = _time.GetTimestamp();
        try
        {
            Update(s => s.Checking());
            var (bundle, info) = await _rauc.InfoAsync(Paths.Bundle, _stop.Token).ConfigureAwait(false);
            if (bundle is null)
            {
                Fail(info.Reason("rauc info"));
                return;
            }
            Update(s => s.Installing(bundle));
            LogInstalling(bundle.Version ?? "unknown", bundle.Compatible ?? "unknown");
            var result = await _rauc.InstallAsync(Paths.Bundle, line =>
            {
                if (RaucOutput.Parse(line) is { } parsed) Update(s => s.With(parsed));
            }, _stop.Token).ConfigureAwait(false);
            UpdateEvent done;
            lock (_lock)
            {
                (_state, done) = _state.Finished(result.ExitCode, RaucOutput.Reason(result.Errors));
                ForgetSlots();
            }
            Raise(done);
            if (done.Kind == Policy.EventKind.UpdateInstalled) LogInstalled(done.Message, _time.GetElapsedTime(started).TotalSeconds);
        }
        catch (OperationCanceledException)
        {
            // The firmware stops: RAUC's service carries on with what it was doing.
        }
        catch (Exception e)
        {
            // Nothing here may take the firmware down.
            Fail($"the install failed: {e.Message}");
        }
        finally
        {
            try
            {
                File.Delete(Paths.Bundle);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogSpoolProblem(Paths.Spool, e.Message);
            }
            // The slots changed (or may have): read them again at the next GET.
            lock (_lock) ForgetSlots();
        }
    }

    private void Fail(string error)
    {
        UpdateEvent failed;
        lock (_lock)
        {
            (_state, failed) = _state.Failed(error);
            ForgetSlots();
        }
        try
        {
            File.Delete(Paths.Bundle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogSpoolProblem(Paths.Spool, e.Message);
        }
        LogFailed(failed.Message);
        Raise(failed);
    }

    /// <summary>Under the lock: the next GET asks rauc status again, and an answer asked for before now is not kept.</summary>
    private void ForgetSlots()
    {
        _slots = null;
        _slotsAt = null;
        _slotsGeneration++;
    }

    private void Update(Func<UpdateState, UpdateState> change)
    {
        lock (_lock) _state = change(_state);
    }

    private void Raise(UpdateEvent e) => _events.Add(new LoggedEvent(_time.GetUtcNow(), e.Kind, null, e.Message));

    /// <summary>
    /// rauc status, asked again when older than <see cref="SlotsFresh"/>; one question at a time. A stale answer is
    /// returned at once while RAUC is asked again in the background: a busy RAUC (checking a bundle on a slow box
    /// takes its main loop for seconds) must not hold the page's polls. Only the first question, and the first after
    /// an install ended, waits for RAUC.
    /// </summary>
    private async Task<RaucStatus?> SlotsAsync(CancellationToken cancel)
    {
        RaucStatus? kept;
        lock (_lock)
        {
            kept = _slots;
            if (_slotsAt is { } at && _time.GetElapsedTime(at) < SlotsFresh) return kept;
        }
        if (kept is not null)
        {
            if (_statusGate.Wait(0)) _ = AskSlotsAsync(CancellationToken.None);
            return kept;
        }
        await _statusGate.WaitAsync(cancel).ConfigureAwait(false);
        lock (_lock)
        {
            if (_slotsAt is { } at && _time.GetElapsedTime(at) < SlotsFresh)
            {
                _statusGate.Release();
                return _slots;
            }
        }
        return await AskSlotsAsync(cancel).ConfigureAwait(false);
    }

    /// <summary>Asks rauc status and keeps the answer; the caller holds <see cref="_statusGate"/>, released here.</summary>
    private async Task<RaucStatus?> AskSlotsAsync(CancellationToken cancel)
    {
        try
        {
            int generation;
            lock (_lock) generation = _slotsGeneration;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            RaucStatus? status;
            try
            {
                status = await _rauc.StatusAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                status = null;
            }
            lock (_lock)
            {
                if (generation != _slotsGeneration) return status;
                _slots = status;
                _slotsAt = _time.GetTimestamp();
                return status;
            }
        }
        finally
        {
            _statusGate.Release();
        }
    }

    /// <summary>last-boot.json, read again when it changed; null when there is none or it does not read.</summary>
    private LastBootDocument? LastBoot()
    {
        try
        {
            var stamp = File.GetLastWriteTimeUtc(Paths.LastBoot);
            if (!File.Exists(Paths.LastBoot)) return null;
            lock (_lock)
            {
                if (_lastBoot is { } cached && cached.Stamp == stamp) return cached.Document;
            }
            LastBootDocument? document = null;
            if (SmallFile.TryReadAll(Paths.LastBoot, 16 * 1024) is { } bytes)
            {
                try
                {
                    document = JsonSerializer.Deserialize(bytes, ApiJson.Default.LastBootDocument);
                }
                catch (JsonException)
                {
                    document = null;
                }
            }
            lock (_lock) _lastBoot = (stamp, document);
            return document;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Tells each new last-boot.json once, as update_booted or update_rolled_back; the trial-boot script writes it after the firmware started.</summary>
    private async Task WatchLastBootAsync()
    {
        using var timer = new PeriodicTimer(LastBootPoll, _time);
        do
        {
            try
            {
                TellLastBoot();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogSpoolProblem(Paths.Spool, e.Message);
            }
        }
        while (await NextAsync(timer).ConfigureAwait(false));
    }

    private async Task<bool> NextAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    internal void TellLastBoot()
    {
        if (LastBoot() is not { Time: { Length: > 0 } time } boot) return;
        var told = File.Exists(Paths.LastBootTold) ? File.ReadAllText(Paths.LastBootTold).Trim() : null;
        if (told == time) return;
        var slot = boot.Slot ?? "?";
        var version = boot.Version is { } v ? $"version {v}" : "the update";
        var detail = boot.Message is { Length: > 0 } m ? $" ({m})" : "";
        UpdateEvent? e = boot.Result switch
        {
            "good" => new UpdateEvent(Policy.EventKind.UpdateBooted, $"{version} booted in slot {slot} and passed its trial boot: marked good{detail}"),
            // Written by the previous slot, booted again: slot and version are the ones running now; the message names the failed one.
            "rolled_back" => new UpdateEvent(Policy.EventKind.UpdateRolledBack, $"an update failed its trial boot: the box went back to {version} in slot {slot}{detail}"),
            // The trial failed with no good slot to go back to (appliance-trial then keeps the box up).
            "failed" => new UpdateEvent(Policy.EventKind.UpdateFailed, $"{version} in slot {slot} failed its trial boot and stays, with no good system to go back to{detail}"),
            _ => null,
        };
        // Written first: a firmware that restarts right after tells it no second time.
        AtomicFile.Write(Paths.LastBootTold, Encoding.UTF8.GetBytes(time + "\n"));
        if (e is not null) Raise(e);
    }

    private static string? ReadVersion(string osRelease)
    {
        try
        {
            return SmallFile.TryReadAll(osRelease, 64 * 1024) is { } bytes ? UpdatePaths.ImageVersion(Encoding.UTF8.GetString(bytes)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>An address as messages show it: scheme and host, never the path or query (they may hold a secret).</summary>
    private static string Shown(Uri uri) => $"{uri.Scheme}://{uri.Authority}/…";

    private static string TooLarge(long size, long limit) => string.Create(CultureInfo.InvariantCulture,
        $"the bundle ({size} bytes or more) is larger than the {limit} bytes the box can take now (the spool's free space less 32 MiB, at most 2 GiB)");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task work;
        lock (_lock) work = _work;
        await Task.WhenAll(work, _watch).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _statusGate.Dispose();
    }

    private sealed class BundleTooLargeException(string message) : Exception(message);

    [LoggerMessage(Level = LogLevel.Information, Message = "update: receiving a bundle ({Length} bytes)")]
    private partial void LogReceiving(string length);

    [LoggerMessage(Level = LogLevel.Information, Message = "update: downloading a bundle from {Url}")]
    private partial void LogDownloading(string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "update: installing version {Version} ({Compatible}) into the other slot")]
    private partial void LogInstalling(string version, string compatible);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message} (took {Seconds:0.0} s)")]
    private partial void LogInstalled(string message, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private partial void LogFailed(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "update: the reboot was asked for ({File})")]
    private partial void LogReboot(string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "update: the spool {Spool}: {Problem}")]
    private partial void LogSpoolProblem(string spool, string problem);
}
