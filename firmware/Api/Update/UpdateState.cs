using Appliance.Policy;

namespace Appliance.Api;

/// <summary>What the update component is doing (<c>operation</c> of GET /api/update).</summary>
public enum UpdateOperation
{
    Idle,
    Receiving,
    Downloading,
    Installing,
    Installed,
    Failed,
}

/// <summary>The version and compatible a bundle's manifest names (<c>rauc info</c>).</summary>
public sealed record BundleInfo(string? Version, string? Compatible);

/// <summary>An event the update component raises: its kind and sentence (docs/api.md#events).</summary>
public sealed record UpdateEvent(EventKind Kind, string Message);

/// <summary>
/// The update operation as a value: each input (a request, bytes received, a line of <c>rauc install</c>, its end)
/// gives the next state, and the end gives the event to raise. No I/O here: <see cref="UpdateService"/> does it.
/// </summary>
/// <param name="Progress">0 to 100: of the bytes while receiving (when their number is known), RAUC's while installing.</param>
/// <param name="Message">The current step in words.</param>
/// <param name="Error">Why the last operation failed; null unless <see cref="UpdateOperation.Failed"/>.</param>
/// <param name="RebootNeeded">An install succeeded since the firmware started: the other slot boots next.</param>
/// <param name="RaucError">RAUC's <c>LastError</c> of the install under way, kept for its end.</param>
/// <param name="Target">The slot RAUC writes, from its steps.</param>
public sealed record UpdateState(
    UpdateOperation Operation,
    int Progress,
    string Message,
    long Bytes,
    long? Total,
    BundleInfo? Bundle,
    string? Error,
    bool RebootNeeded,
    string? RaucError = null,
    string? Target = null)
{
    public static UpdateState Idle { get; } = new(UpdateOperation.Idle, 0, "no update since the firmware started", 0, null, null, null, false);

    /// <summary>An operation is under way: another is refused (409), and so is a reboot.</summary>
    public bool Busy => Operation is UpdateOperation.Receiving or UpdateOperation.Downloading or UpdateOperation.Installing;

    /// <summary>A new operation that first receives or downloads the bundle; null while one is under way.</summary>
    /// <param name="total">The bundle's size when known (Content-Length).</param>
    public UpdateState? Begin(UpdateOperation how, long? total, string message)
    {
        if (how is not (UpdateOperation.Receiving or UpdateOperation.Downloading)) throw new ArgumentOutOfRangeException(nameof(how));
        return Busy ? null : new UpdateState(how, 0, message, 0, total, null, null, RebootNeeded);
    }

    public UpdateState Received(long bytes) => this with
    {
        Bytes = bytes,
        Progress = Total is > 0 and var total ? (int)Math.Min(100, bytes * 100 / total) : 0,
    };

    /// <summary>The bundle is on disk; its signature is checked before RAUC installs it.</summary>
    public UpdateState Checking() => this with { Operation = UpdateOperation.Installing, Progress = 0, Message = "checking the bundle's signature (rauc info)" };

    /// <summary>RAUC checked the bundle: what it holds.</summary>
    public UpdateState Installing(BundleInfo bundle) => this with { Bundle = bundle, Message = "installing (rauc install)" };

    /// <summary>A line of <c>rauc install</c>.</summary>
    public UpdateState With(RaucLine line)
    {
        if (Operation != UpdateOperation.Installing) return this;
        if (line.Error is { } error) return this with { RaucError = error };
        var next = this with { Progress = line.Percent ?? Progress, Message = line.Step is { Length: > 0 } step ? step : Message };
        return line.Step is { } named && RaucOutput.TargetSlot(named) is { } slot ? next with { Target = slot } : next;
    }

    /// <summary><c>rauc install</c> ended with <paramref name="exitCode"/>; <paramref name="reason"/> is what it wrote on standard error.</summary>
    public (UpdateState State, UpdateEvent Event) Finished(int exitCode, string? reason)
    {
        if (exitCode != 0)
        {
            return Failed(RaucError ?? reason ?? $"rauc install ended with code {exitCode}");
        }
        var version = Bundle?.Version is { } v ? $"update {v}" : "the update";
        var into = Target is { } slot ? $" into {slot}" : "";
        var message = $"{version} installed{into}; it runs after a reboot";
        var state = this with { Operation = UpdateOperation.Installed, Progress = 100, Message = message, Error = null, RebootNeeded = true, RaucError = null };
        return (state, new UpdateEvent(EventKind.UpdateInstalled, message));
    }

    /// <summary>The operation ends without an install: refused, too large, cut off, not downloadable.</summary>
    public (UpdateState State, UpdateEvent Event) Failed(string error)
    {
        var state = this with { Operation = UpdateOperation.Failed, Message = "update failed", Error = error, RaucError = null };
        var what = Bundle?.Version is { } v ? $"update {v} failed" : "update failed";
        return (state, new UpdateEvent(EventKind.UpdateFailed, $"{what}: {error}; the running system is unchanged"));
    }

    /// <summary>The word of <c>operation</c>.</summary>
    public string OperationName => Operation.ToString().ToLowerInvariant();
}
