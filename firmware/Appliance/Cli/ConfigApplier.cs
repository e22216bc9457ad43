using System.Text;
using System.Threading.Channels;
using Appliance.Api;
using Appliance.Config;

namespace Appliance.Cli;

/// <summary>A new configuration for the run loop to switch to; <see cref="Done"/> says how it went.</summary>
/// <param name="PreviousText">The file before the apply: what a rollback writes back.</param>
internal sealed record SwitchRequest(ApplianceConfig Config, ConfigCandidate Candidate, string PreviousText)
{
    public TaskCompletionSource<ApplyOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// <c>/api/config</c>'s side in the running firmware: one apply at a time; the file written atomically with the
/// one before kept as <c>PATH.previous</c>; the switch itself left to the run loop (<see cref="RunCommand"/>), which
/// takes the requests from <see cref="Requests"/>.
/// </summary>
internal sealed class ConfigApplier(ApplianceConfig running) : IConfigControl
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Channel<SwitchRequest> _requests = Channel.CreateUnbounded<SwitchRequest>();
    private volatile ApplianceConfig _running = running;
    private volatile bool _closed;

    public string Path { get; } = running.SourcePath;

    /// <summary>Where a rollback takes the file from.</summary>
    public string PreviousPath => Path + ".previous";

    public ApplianceConfig Running
    {
        get => _running;
        set => _running = value;
    }

    public ChannelReader<SwitchRequest> Requests => _requests.Reader;

    public string ReadText() => Read(Path);

    public IReadOnlyList<string> Rules(ApplianceConfig config) => RuleListing.Lines(config);

    public async Task<ApplyOutcome> ApplyAsync(Func<ConfigCandidate> prepare)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        if (!await _gate.WaitAsync(TimeSpan.Zero).ConfigureAwait(false))
        {
            return new ApplyOutcome(ApplyResult.Busy, "another configuration is being applied; ask again once it is done", null);
        }
        var handedOver = false;
        try
        {
            var candidate = prepare();
            if (candidate.Config is not { } config || candidate.Errors.Count > 0)
            {
                return new ApplyOutcome(ApplyResult.Invalid, "the configuration is not valid; nothing was changed", candidate);
            }
            // A firmware that stops takes nothing more: a file written now would run at the next start unconfirmed.
            if (_closed) return new ApplyOutcome(ApplyResult.Failed, "the firmware is stopping; nothing was changed", candidate);
            var previous = ReadText();
            try
            {
                Write(PreviousPath, previous);
                Write(Path, candidate.Text);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new ApplyOutcome(ApplyResult.Failed, $"cannot write {Path}: {e.Message}; nothing was changed", candidate);
            }
            var request = new SwitchRequest(config, candidate, previous);
            if (ApiMoves(Running, config))
            {
                // The answer must reach the client on the address it asked: it goes first, then the API moves.
                handedOver = true;
                return new ApplyOutcome(ApplyResult.Moving,
                    $"written; the API moves to {config.Api.Listen} (api changed), so this answer comes before the firmware takes the new file: " +
                    $"GET http://{config.Api.Listen}/api/events tells config_applied or config_rolled_back (then the API stays on {Running.Api.Listen})",
                    candidate,
                    () =>
                    {
                        _ = request.Done.Task.ContinueWith(_ => _gate.Release(), TaskScheduler.Default);
                        if (!_requests.Writer.TryWrite(request)) request.Done.TrySetResult(Stopping(candidate));
                    });
            }
            if (!_requests.Writer.TryWrite(request)) return Stopping(candidate);
            return await request.Done.Task.ConfigureAwait(false);
        }
        finally
        {
            if (!handedOver) _gate.Release();
        }
    }

    /// <summary>The firmware stops: what still waits is answered, and nothing more is taken.</summary>
    public void Close()
    {
        _closed = true;
        _requests.Writer.TryComplete();
        while (_requests.Reader.TryRead(out var left)) left.Done.TrySetResult(Stopping(left.Candidate));
    }

    /// <summary>Whether the API must be served anew (another address, token file, host names, or management address in its Host filter).</summary>
    public static bool ApiMoves(ApplianceConfig from, ApplianceConfig to) =>
        !from.Api.Equals(to.Api) || !from.Bridge.ManagementAddress.Equals(to.Bridge.ManagementAddress);

    /// <summary>Writes the file atomically, keeping the mode the file has (a configuration may be private).</summary>
    public static void Write(string path, string text)
    {
        UnixFileMode mode = AtomicFile.Readable;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A new file (the first .previous) gets the usual mode.
        }
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(text), mode);
    }

    internal static string Read(string path) =>
        SmallFile.TryReadAll(path, ConfigLimits.MaxFileBytes) is { } bytes
            ? new UTF8Encoding(false, true).GetString(bytes).TrimStart('\uFEFF')
            : throw new IOException($"{path} is larger than {ConfigLimits.MaxFileBytes} bytes");

    internal static ApplyOutcome Stopping(ConfigCandidate candidate) =>
        new(ApplyResult.Failed, "the firmware is stopping; the file is written and is read at the next start", candidate);
}
