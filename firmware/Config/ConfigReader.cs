using System.Net;
using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary>
/// Maps the YAML node tree onto the model by hand, collecting every error with its position. One partial file
/// per section (ConfigReader.Bridge.cs, …); <see cref="Section"/> reads the keys of one mapping.
/// </summary>
internal sealed partial class ConfigReader(string file)
{
    private static readonly (string Name, FailbackMode Value)[] FailbackNames = [("auto", FailbackMode.Auto), ("manual", FailbackMode.Manual)];

    private readonly List<(ConfigError Error, int Order)> errors = [];
    private readonly List<ConfigError> warnings = [];
    private readonly List<Section> sections = [];
    private int nextOrder;

    public string File { get; } = file;

    /// <summary>After <see cref="Read"/>: the sections that read without an error (all of them when the file is valid).</summary>
    public ConfigParts Parts { get; private set; } = ConfigParts.None;

    /// <summary>The errors in file order; at one position, in the order they were found.</summary>
    public IReadOnlyList<ConfigError> SortedErrors() =>
        [.. errors.OrderBy(e => e.Error.Line).ThenBy(e => e.Error.Column).ThenBy(e => e.Order).Select(e => e.Error)];

    public void Error(Pos pos, string key, string message) => Error(NextOrder(), pos, key, message);

    public void Warn(Pos pos, string key, string message) => warnings.Add(Problem(pos, key, message));

    /// <summary>Reports an error found earlier, at <paramref name="order"/> (from <see cref="NextOrder"/>), but worded only now.</summary>
    private void Error(int order, Pos pos, string key, string message) => errors.Add((Problem(pos, key, message), order));

    /// <summary>Longest message kept; the longest the readers word is about 200 characters.</summary>
    private const int MaxMessageLength = 400;

    /// <summary>
    /// The one place problems are made. Readers echo keys and values through <see cref="Printable.Echo"/> or
    /// <see cref="YScalar.Quote"/>; this also covers a value echoed by a parser (e.g. an endpoint's), so that
    /// nothing from the file reaches a terminal raw or long.
    /// </summary>
    private ConfigError Problem(Pos pos, string key, string message) =>
        new(File, pos.Line, pos.Column, Printable.Escape(key), Printable.Escape(Printable.Cut(message, MaxMessageLength)));

    private int NextOrder() => nextOrder++;

    /// <summary>The one place text enters the reader.</summary>
    public ApplianceConfig? Read(string text)
    {
        YNode? rootNode;
        try
        {
            rootNode = YamlTree.Load(text);
        }
        catch (YamlTree.YamlTreeException ex)
        {
            Error(ex.Pos, "", ex.Message);
            return null;
        }

        // Sections are read in the order the top-level keys are listed in messages.
        Section root = Section.Root(this, rootNode);
        BridgeConfig? bridge = ReadBridge(root, out Placed<(IPAddress Address, int Prefix)>? management);
        OpenFlowConfig? openflow = ReadOpenFlow(root);
        ServiceConfig? service = ReadService(root, management, out Placed<IPAddress>? vip, out Placed<MacAddress>? vmac);
        List<ServerConfig>? servers = ReadServers(root, vip, vmac, management);
        HealthConfig? health = ReadHealth(root);
        FailbackMode? failback = root.Enum("failback", ConfigDefaults.Failback, FailbackNames);
        PanelConfig? panel = ReadPanel(root);
        ApiConfig? api = ReadApi(root, management);
        TimeConfig? time = ReadTime(root);
        NotifyConfig? notify = ReadNotify(root);
        PairConfig? pair = ReadPair(root, management);

        // Only now has every reader asked for its keys.
        foreach (Section section in sections)
        {
            section.ReportUnknownKeys();
        }

        Parts = new ConfigParts(Clean("bridge", bridge), Clean("panel", panel), Clean("api", api));
        if (errors.Count > 0)
        {
            return null;
        }

        // No errors means every section above was read (or defaulted) successfully.
        return new ApplianceConfig(File, bridge!, openflow!, service!, servers!.AsReadOnly(), health!, failback!.Value, panel!, api!)
        {
            Time = time!,
            Notify = notify!,
            Pair = pair == PairConfig.None ? null : pair,
            Warnings = [.. warnings.OrderBy(e => e.Line).ThenBy(e => e.Column)],
        };
    }

    /// <summary><paramref name="value"/>, unless an error is about <paramref name="section"/> or one of its keys.</summary>
    private T? Clean<T>(string section, T? value)
        where T : class =>
        errors.Any(e => e.Error.Key == section || e.Error.Key.StartsWith(section + ".", StringComparison.Ordinal)) ? null : value;

    /// <summary>A value and the node it was read from; <see cref="Node"/> is null when the value is a default or derived.</summary>
    private readonly record struct Placed<T>(T Value, YNode? Node);
}
