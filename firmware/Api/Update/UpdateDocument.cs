namespace Appliance.Api;

/// <summary>GET /api/update (docs/api.md#get-apiupdate): the system, its slots, the operation, the last trial boot.</summary>
public sealed record UpdateDocument(
    UpdateSystemDocument System,
    IReadOnlyList<UpdateSlotDocument> Slots,
    string Operation,
    int Progress,
    string Message,
    long Bytes,
    long? Total,
    UpdateBundleDocument? Bundle,
    string? Error,
    bool RebootNeeded,
    LastBootDocument? LastBoot)
{
    public static UpdateDocument From(UpdateState state, string? version, RaucStatus? rauc, LastBootDocument? lastBoot) => new(
        new UpdateSystemDocument(version, rauc?.Booted, rauc?.Compatible),
        rauc?.Slots ?? [],
        state.OperationName,
        state.Progress,
        state.Message,
        state.Bytes,
        state.Total,
        state.Bundle is { } bundle ? new UpdateBundleDocument(bundle.Version, bundle.Compatible) : null,
        state.Error,
        state.RebootNeeded,
        lastBoot);
}

/// <param name="Version">IMAGE_VERSION of /etc/os-release; null on a machine that is not the box's image.</param>
/// <param name="Booted">The bootname of the slot running (A, B); null without RAUC.</param>
public sealed record UpdateSystemDocument(string? Version, string? Booted, string? Compatible);

/// <param name="Name">RAUC's slot name (rootfs.0).</param>
/// <param name="Installed">When RAUC last wrote it (ISO 8601, UTC); null when it never did.</param>
public sealed record UpdateSlotDocument(string Name, string? Bootname, bool Booted, string? BootStatus, string? Version, string? Installed);

public sealed record UpdateBundleDocument(string? Version, string? Compatible);

/// <summary>
/// <c>last-boot.json</c> in the update spool, written by the box's trial-boot script (root) after a boot of an updated
/// slot: <c>result</c> <c>good</c>, <c>rolled_back</c> when the new slot failed and the old one booted again, or <c>failed</c> when it failed with no good slot to go back to.
/// </summary>
public sealed record LastBootDocument(string? Time, string? Slot, string? Version, string? Result, string? Message);

/// <summary>POST /api/update with Content-Type application/json: the bundle's address.</summary>
public sealed record UpdateUrlRequest(string? Url);
