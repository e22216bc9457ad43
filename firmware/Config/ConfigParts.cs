namespace Appliance.Config;

/// <summary>
/// The sections of a configuration file that read without an error, even when the file as a whole
/// is refused: what <c>appliance fault</c> needs to light the panel and serve the refusal where the
/// operator expects it (docs/cli.md). A section is null when any error is about one of its keys, or
/// when the file could not be read or parsed at all.
/// </summary>
public sealed record ConfigParts(BridgeConfig? Bridge, PanelConfig? Panel, ApiConfig? Api)
{
    public static ConfigParts None { get; } = new(null, null, null);
}
