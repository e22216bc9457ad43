using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Appliance.Config;
using Appliance.Policy;

namespace Appliance.Api;

/// <summary>The answer of <c>POST /api/pair/copy-settings</c> (docs/api.md#pair-settings).</summary>
/// <param name="Accepted">The peer runs with this box's settings now (or, 202, is moving its API to take them).</param>
/// <param name="PeerStatus">The peer's HTTP status; 0 when it gave none.</param>
/// <param name="Keys">The shared keys that differed before the copy.</param>
public sealed record PairCopyDocument(bool Accepted, string Message, int PeerStatus, IReadOnlyList<string> Keys)
{
    /// <summary>The peer's own answer (its <c>PUT /api/config</c> document), when it was JSON.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Peer { get; init; }
}

/// <summary>
/// A pair's settings against the peer's (docs/pair.md#settings): the comparison the firmware makes every few seconds,
/// and the copy of this box's settings to the peer. Both read the peer through <see cref="PeerApi"/>, which bounds it.
/// </summary>
public static class PairSync
{
    /// <summary>How often the firmware compares.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>This box's file (<paramref name="readOwn"/>) against the peer's.</summary>
    public static async Task<PairSettingsStatus> CompareAsync(PeerApi peer, Func<string> readOwn, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(readOwn);
        string ours;
        try
        {
            ours = readOwn();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            return new PairSettingsStatus(PairSettingsState.Unknown, [], $"this box's configuration cannot be read: {e.Message}");
        }
        var (peers, problem, silent) = await peer.ReadConfigAsync(cancel).ConfigureAwait(false);
        if (peers is null) return new PairSettingsStatus(PairSettingsState.Unknown, [], problem ?? "the peer's configuration cannot be read") { PeerSilent = silent };
        var keys = PairSettings.Differences(ours, peers);
        return keys.Count == 0
            ? new PairSettingsStatus(PairSettingsState.Same, [], "")
            : new PairSettingsStatus(PairSettingsState.Differ, keys, "");
    }

    /// <summary>
    /// Gives the peer this box's configuration with the peer's own per-box keys kept, through its <c>PUT /api/config</c>,
    /// and says what it answered. The status is the peer's when it is one of the answers of that PUT a client acts on
    /// (200 applied, 202 applied with its API moving, 409 busy, 422 refused as invalid), else 502; 409 without a peer.
    /// </summary>
    public static async Task<(int Status, PairCopyDocument Document)> CopyAsync(IConfigControl config, PeerApi? peer, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (peer is null) return (409, new PairCopyDocument(false, "this box has no peer to copy to (pair.peer_api and pair.peer_token_file in the configuration)", 0, []));
        string ours;
        try
        {
            ours = config.ReadText();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            return (500, new PairCopyDocument(false, $"this box's configuration cannot be read: {e.Message}", 0, []));
        }
        var (peers, problem, _) = await peer.ReadConfigAsync(cancel).ConfigureAwait(false);
        if (peers is null) return (502, new PairCopyDocument(false, $"nothing was copied: the peer's own settings must be kept, and its configuration cannot be read: {problem}", 0, []));
        var keys = PairSettings.Differences(ours, peers);
        var copy = PairSettings.CopyFor(ours, peers, config.Path);
        if (copy.Errors.Count > 0) return (502, new PairCopyDocument(false, $"nothing was copied: {string.Join("; ", copy.Errors.Select(e => e.Message))}", 0, keys));
        var answer = await peer.WriteConfigAsync(copy.Text, cancel).ConfigureAwait(false);
        if (answer.Problem is { } failed) return (502, new PairCopyDocument(false, $"the copy did not reach the peer: {failed}", 0, keys));
        JsonElement? peerDocument = null;
        try
        {
            peerDocument = JsonDocument.Parse(answer.Body).RootElement.Clone();
        }
        catch (JsonException)
        {
            // Not JSON: its status says enough.
        }
        var accepted = answer.Status is 200 or 202;
        var said = answer.Message();
        var message = accepted
            ? $"the peer took this box's settings ({(keys.Count == 0 ? "they were the same already" : "changed: " + string.Join(", ", keys))}), keeping its own per-box keys{(said is null ? "" : "; it said: " + said)}"
            : $"the peer refused the copy ({answer.Status}){(said is null ? "" : ": " + said)}";
        var status = answer.Status is 200 or 202 or 409 or 422 ? answer.Status : 502;
        return (status, new PairCopyDocument(accepted, message, answer.Status, keys) { Peer = peerDocument });
    }
}
