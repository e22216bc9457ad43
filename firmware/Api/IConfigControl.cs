using Appliance.Config;

namespace Appliance.Api;

/// <summary>What <c>/api/config</c> needs from the firmware: the file, the configuration it runs with, and applying a new one.</summary>
public interface IConfigControl
{
    /// <summary>The configuration file's path.</summary>
    string Path { get; }

    /// <summary>The configuration the firmware runs with now.</summary>
    ApplianceConfig Running { get; }

    /// <summary>The file's text as it is now (it may differ from <see cref="Running"/> when edited by hand and not applied).</summary>
    /// <exception cref="IOException">The file cannot be read (also <see cref="UnauthorizedAccessException"/>).</exception>
    string ReadText();

    /// <summary>The rules <c>appliance check</c> lists for <paramref name="config"/>, one a line.</summary>
    IReadOnlyList<string> Rules(ApplianceConfig config);

    /// <summary>
    /// One apply at a time: unless another is under way (<see cref="ApplyResult.Busy"/>), makes the candidate with
    /// <paramref name="prepare"/> (against the file as it is then) and, when it is valid, writes it and has the
    /// firmware run with it, rolling back when the switch does not take it.
    /// </summary>
    Task<ApplyOutcome> ApplyAsync(Func<ConfigCandidate> prepare);
}

public enum ApplyResult
{
    /// <summary>Written, running, and the switch confirmed the new rules.</summary>
    Applied,

    /// <summary>The candidate is not valid (or the request unusable); nothing was written.</summary>
    Invalid,

    /// <summary>Another apply is under way; nothing was done.</summary>
    Busy,

    /// <summary>Written, but the switch did not take it: the previous file was restored and runs again.</summary>
    RolledBack,

    /// <summary>The file could not be written; nothing changed.</summary>
    Failed,

    /// <summary>Written; the API moves to another address, so the answer goes first and the firmware switches after it (<see cref="ApplyOutcome.AfterAnswer"/>).</summary>
    Moving,
}

/// <param name="Candidate">The candidate made (null when none was: busy).</param>
/// <param name="AfterAnswer">For <see cref="ApplyResult.Moving"/>: what to start once the answer has been sent.</param>
public sealed record ApplyOutcome(ApplyResult Result, string Message, ConfigCandidate? Candidate, Action? AfterAnswer = null);
