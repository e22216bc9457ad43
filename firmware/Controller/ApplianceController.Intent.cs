using Appliance.Policy;
using Microsoft.Extensions.Logging;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    /// <summary>Hands the policy the operator's intent saved before the restart, or why there is none.</summary>
    private void RestoreIntent()
    {
        if (_intents is null) return;
        var (intent, problem) = _intents.Load();
        // A file that could not be used is written again at once, valid, with what the policy then holds.
        _savedIntent = problem is null ? intent : null;
        Decide(new IntentRestored(Now, intent, problem));
    }

    /// <summary>
    /// Saves the operator's intent when a decision changed it, beside the loop (an fsync on an SD
    /// card may take a while) and in order, the last decision's intent last.
    /// </summary>
    private void SaveIntent()
    {
        if (_intents is not { } store) return;
        var intent = _policy.State.Intent;
        if (intent.Equals(_savedIntent)) return;
        _savedIntent = intent;
        _saving = SaveIntentAsync(_saving, store, intent);
    }

    private async Task SaveIntentAsync(Task previous, OperatorIntentStore store, OperatorIntent intent)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        try
        {
            store.Save(intent);
            LogIntentSaved(intent.ToString(), store.Path);
        }
        catch (Exception e)
        {
            LogIntentNotSaved(store.Path, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "operator state saved ({Intent}) in {Path}")]
    private partial void LogIntentSaved(string intent, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "saving the operator state in {Path} failed ({Reason}): a restart now would forget drains and holds")]
    private partial void LogIntentNotSaved(string path, string reason);
}
