using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary>Maps the YAML node tree onto the model by hand, collecting every error with its position.</summary>
internal sealed class ConfigReader(string file)
{
    private static readonly string[] RootKeys = ["bridge", "openflow", "service", "servers", "health", "failback", "panel", "api"];
    private static readonly string[] BridgeKeys = ["name", "datapath", "management"];
    private static readonly string[] OpenFlowKeys = ["listen", "allow_remote"];
    private static readonly string[] ServiceKeys = ["vip", "vmac", "mode"];
    private static readonly string[] ServerKeys = ["name", "address", "port", "mac"];
    private static readonly string[] HealthKeys = ["probe", "port", "path", "interval", "timeout", "fall", "rise", "hold_down", "flap_window"];
    private static readonly string[] PanelKeys = ["driver", "chip", "leds", "button"];
    private static readonly string[] LedKeys = ["master", "slave", "fault"];
    private static readonly string[] ButtonKeys = ["pin", "pull_up"];
    private static readonly string[] ApiKeys = ["listen", "token_file"];

    private static readonly (string Name, DatapathType Value)[] DatapathNames = [("system", DatapathType.System), ("netdev", DatapathType.Netdev)];
    private static readonly (string Name, ServiceMode Value)[] ModeNames = [("nat", ServiceMode.Nat), ("dsr", ServiceMode.Dsr)];
    private static readonly (string Name, ProbeKind Value)[] ProbeNames =
        [("link", ProbeKind.Link), ("arp", ProbeKind.Arp), ("icmp", ProbeKind.Icmp), ("tcp", ProbeKind.Tcp), ("http", ProbeKind.Http)];
    private static readonly (string Name, FailbackMode Value)[] FailbackNames = [("auto", FailbackMode.Auto), ("manual", FailbackMode.Manual)];
    private static readonly (string Name, PanelDriver Value)[] DriverNames =
        [("auto", PanelDriver.Auto), ("libgpiod", PanelDriver.Libgpiod), ("sysfs", PanelDriver.Sysfs), ("simulated", PanelDriver.Simulated), ("none", PanelDriver.None)];

    private readonly List<ConfigError> errors = [];
    private readonly List<ConfigError> warnings = [];

    public string File { get; } = file;

    public IReadOnlyList<ConfigError> SortedErrors() => Sort(errors);

    public void Error(Pos pos, string key, string message) => errors.Add(new ConfigError(File, pos.Line, pos.Column, key, message));

    public void Warn(Pos pos, string key, string message) => warnings.Add(new ConfigError(File, pos.Line, pos.Column, key, message));

    private static ConfigError[] Sort(List<ConfigError> list) =>
        [.. list.OrderBy(e => e.Line).ThenBy(e => e.Column)];

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

        Section root;
        if (rootNode is null || rootNode is YScalar { IsNull: true })
        {
            // No content at all: report missing keys at the top of the file.
            root = Section.Empty(this, new Pos(1, 1), "");
        }
        else if (rootNode is YMapping map)
        {
            root = new Section(this, map, "", RootKeys);
        }
        else
        {
            Error(rootNode.Pos, "", $"expected a mapping of sections ({string.Join(", ", RootKeys)}), got {rootNode.Describe()}");
            return null;
        }

        Section bridgeSec = root.Child("bridge", BridgeKeys);
        Section openflowSec = root.Child("openflow", OpenFlowKeys);
        Section serviceSec = root.Child("service", ServiceKeys, required: true);
        Section healthSec = root.Child("health", HealthKeys);
        Section panelSec = root.Child("panel", PanelKeys);
        Section apiSec = root.Child("api", ApiKeys);

        // bridge
        string? bridgeName = bridgeSec.String("name", ConfigDefaults.BridgeName, BridgeNameProblem,
            $"a network interface name of 1 to {ConfigLimits.MaxBridgeNameLength} characters without spaces, '/' or ':'");
        DatapathType? datapath = bridgeSec.Enum("datapath", ConfigDefaults.Datapath, DatapathNames);
        (IPAddress Address, int Prefix)? management = ReadManagement(bridgeSec);

        // openflow
        OpenFlowEndpoint? listen = openflowSec.Parsed<OpenFlowEndpoint>("listen", ConfigDefaults.OpenFlowListen,
            "tcp:IP:PORT or unix:/absolute/path", (string s, out OpenFlowEndpoint? v, out string? e) => OpenFlowEndpoint.TryParse(s, out v, out e));
        bool? allowRemote = openflowSec.Bool("allow_remote", ConfigDefaults.AllowRemote);
        if (listen is UnixEndpoint unix && !unix.Path.StartsWith("/var/run/openvswitch/", StringComparison.Ordinal) && !unix.Path.StartsWith("/run/openvswitch/", StringComparison.Ordinal))
        {
            // ovs-vswitchd refuses unix: controllers outside its run directory, and only logs it.
            YNode? at = openflowSec.Node("listen");
            Error(at?.Pos ?? openflowSec.Pos, openflowSec.KeyPath("listen"),
                $"Open vSwitch connects only to unix sockets under /var/run/openvswitch/, got \"{unix.Path}\" (e.g. unix:/var/run/openvswitch/appliance.sock)");
        }
        if (listen is TcpEndpoint { IsLoopback: false } tcp && allowRemote == false)
        {
            YNode? at = openflowSec.Node("listen");
            Error(at?.Pos ?? openflowSec.Pos, openflowSec.KeyPath("listen"),
                $"{tcp} is not a loopback address and the switch's OpenFlow channel would be reachable from the network; " +
                "set openflow.allow_remote: true to allow it");
        }

        // service
        IPAddress? vip = serviceSec.Ipv4Address("vip", required: true);
        MacAddress? vmac = null;
        YNode? vmacNode = serviceSec.Node("vmac");
        if (vmacNode is not null)
        {
            vmac = serviceSec.Mac("vmac");
        }
        else if (vip is not null)
        {
            vmac = ServiceConfig.DefaultVmacFor(vip);
        }
        ServiceMode? mode = serviceSec.Enum("mode", ConfigDefaults.Mode, ModeNames);
        if (vip is not null && management is { } m0 && vip.Equals(m0.Address))
        {
            Error(serviceSec.Node("vip")!.Pos, serviceSec.KeyPath("vip"),
                $"{vip} is the appliance's management address (bridge.management); the VIP needs an address of its own");
        }

        // servers
        List<ServerConfig>? servers = ReadServers(root, vip, serviceSec.Node("vip"), vmac, vmacNode, management, bridgeSec);

        // health
        ProbeKind? probe = healthSec.Enum("probe", ConfigDefaults.Probe, ProbeNames);
        int? healthPort = healthSec.Int("port", ConfigDefaults.HealthPort, 1, 65535);
        string? path = healthSec.String("path", ConfigDefaults.HealthPath, HealthPathProblem, "an HTTP path starting with '/'");
        TimeSpan? interval = healthSec.Duration("interval", ConfigDefaults.Interval);
        if (interval is { } iv && iv < ConfigLimits.MinHealthInterval)
        {
            Error(healthSec.Node("interval")!.Pos, healthSec.KeyPath("interval"),
                $"must be at least {ConfigDuration.Format(ConfigLimits.MinHealthInterval)}, got {ConfigDuration.Format(iv)}");
            interval = null;
        }
        TimeSpan? timeout = healthSec.Duration("timeout", ConfigDefaults.Timeout);
        int? fall = healthSec.Int("fall", ConfigDefaults.Fall, ConfigLimits.MinFallRise, ConfigLimits.MaxFallRise);
        int? rise = healthSec.Int("rise", ConfigDefaults.Rise, ConfigLimits.MinFallRise, ConfigLimits.MaxFallRise);
        // "off" disables the hold-down; a zero duration is not a duration the parser accepts.
        TimeSpan? holdDown = healthSec.Node("hold_down") is YScalar { Value: "off" } ? TimeSpan.Zero : healthSec.Duration("hold_down", ConfigDefaults.HoldDown);
        TimeSpan? flapWindow = healthSec.Duration("flap_window", ConfigDefaults.FlapWindow);

        // failback
        FailbackMode? failback = root.Enum("failback", ConfigDefaults.Failback, FailbackNames);

        // panel
        PanelDriver? driver = panelSec.Enum("driver", ConfigDefaults.Driver, DriverNames);
        int? chip = panelSec.Int("chip", ConfigDefaults.Chip, 0, int.MaxValue);
        Section leds = panelSec.Child("leds", LedKeys);
        Section button = panelSec.Child("button", ButtonKeys);
        int? masterLed = leds.Int("master", ConfigDefaults.MasterLed, 0, int.MaxValue);
        int? slaveLed = leds.Int("slave", ConfigDefaults.SlaveLed, 0, int.MaxValue);
        int? faultLed = leds.Int("fault", ConfigDefaults.FaultLed, 0, int.MaxValue);
        int? buttonPin = button.Int("pin", ConfigDefaults.ButtonPin, 0, int.MaxValue);
        bool? pullUp = button.Bool("pull_up", ConfigDefaults.ButtonPullUp);
        CheckPinsDistinct([(leds, "master", masterLed), (leds, "slave", slaveLed), (leds, "fault", faultLed), (button, "pin", buttonPin)]);

        // api
        IPEndPoint? apiListen = apiSec.Parsed<IPEndPoint>("listen",
            management is { } m1 ? new IPEndPoint(m1.Address, ConfigDefaults.ApiPort) : null,
            "IP:PORT, e.g. 10.0.0.6:80", (string s, out IPEndPoint? v, out string? e) => Endpoints.TryParseIPEndPoint(s, out v, out e));
        string? tokenFile = apiSec.String("token_file", ConfigDefaults.TokenFile,
            s => s.Length == 0 ? "must not be empty" : s.Contains('\0', StringComparison.Ordinal) ? "must not contain NUL" : null,
            "a file path");

        if (errors.Count > 0)
        {
            return null;
        }

        // No errors means every value above was read (or defaulted) successfully.
        return new ApplianceConfig(
            File,
            new BridgeConfig(bridgeName!, datapath!.Value, management!.Value.Address, management.Value.Prefix),
            new OpenFlowConfig(listen!, allowRemote!.Value),
            new ServiceConfig(vip!, vmac!.Value, mode!.Value),
            servers!.AsReadOnly(),
            new HealthConfig(probe!.Value, healthPort!.Value, path!, interval!.Value, timeout!.Value, fall!.Value, rise!.Value)
            {
                HoldDown = holdDown!.Value,
                FlapWindow = flapWindow!.Value,
            },
            failback!.Value,
            new PanelConfig(driver!.Value, chip!.Value, masterLed!.Value, slaveLed!.Value, faultLed!.Value, buttonPin!.Value, pullUp!.Value),
            new ApiConfig(apiListen!, tokenFile!))
        {
            Warnings = Sort(warnings),
        };
    }

    private (IPAddress Address, int Prefix)? ReadManagement(Section bridge)
    {
        const string Expected = "an IPv4 address with prefix length, e.g. 10.0.0.6/24";
        if (!bridge.TryScalar("management", Expected, out YScalar? s, out bool present))
        {
            return present ? null : (ConfigDefaults.ManagementAddress, ConfigDefaults.ManagementPrefixLength);
        }
        string key = bridge.KeyPath("management");
        string text = s.Value;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addrText = slash < 0 ? text : text[..slash];
        if (Ipv4.LooksLikeIpv6(addrText))
        {
            Error(s.Pos, key, $"IPv6 is not supported here: expected {Expected}, got {s.Describe()}");
            return null;
        }
        if (slash < 0)
        {
            Error(s.Pos, key, $"expected {Expected}, got {s.Describe()}: the /prefix length is missing");
            return null;
        }
        if (!Ipv4.TryParseStrict(addrText, out IPAddress? address))
        {
            Error(s.Pos, key, $"expected {Expected}, got {s.Describe()}");
            return null;
        }
        string prefixText = text[(slash + 1)..];
        if (prefixText.Length is 0 or > 2 || !prefixText.All(char.IsAsciiDigit)
            || int.Parse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture) is < 1 or > 32)
        {
            Error(s.Pos, key, $"the prefix length must be an integer from 1 to 32, got \"{YScalar.Quote(prefixText)}\"");
            return null;
        }
        int prefix = int.Parse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture);
        if (Ipv4.UnusableReason(address) is { } why)
        {
            Error(s.Pos, key, why);
            return null;
        }
        if (prefix <= 30)
        {
            uint host = Ipv4.ToUInt32(address) & ~Ipv4.Mask(prefix);
            if (host == 0)
            {
                Error(s.Pos, key, $"{address} is the network address of {Ipv4.Network(address, prefix)}/{prefix}, not a host address");
                return null;
            }
            if (host == ~Ipv4.Mask(prefix))
            {
                Error(s.Pos, key, $"{address} is the broadcast address of {Ipv4.Network(address, prefix)}/{prefix}, not a host address");
                return null;
            }
        }
        return (address, prefix);
    }

    private List<ServerConfig>? ReadServers(
        Section root,
        IPAddress? vip,
        YNode? vipNode,
        MacAddress? vmac,
        YNode? vmacNode,
        (IPAddress Address, int Prefix)? management,
        Section bridge)
    {
        YNode? node = root.Node("servers");
        if (node is null)
        {
            if (root.Valid)
            {
                Error(root.Pos, "servers", "required key missing: list the servers, the master first");
            }
            return null;
        }
        if (node is not YSequence seq)
        {
            Error(node.Pos, "servers", $"expected a list of servers, got {node.Describe()}");
            return null;
        }
        if (seq.Items.Count == 0)
        {
            Error(seq.Pos, "servers", "at least one server is required");
            return null;
        }
        if (seq.Items.Count == 1)
        {
            Warn(seq.Pos, "servers", "only one server is configured: there is nothing to fail over to");
        }

        var result = new List<ServerConfig>();
        bool allValid = true;
        var names = new Dictionary<string, (int Index, YNode Node)>(StringComparer.Ordinal);
        var addresses = new Dictionary<IPAddress, (int Index, YNode Node)>();
        var ports = new Dictionary<uint, (int Index, YNode Node)>();
        var macs = new Dictionary<MacAddress, (int Index, YNode Node)>();
        for (int i = 0; i < seq.Items.Count; i++)
        {
            YNode item = seq.Items[i];
            string itemPath = $"servers[{i}]";
            if (item is not YMapping map)
            {
                Error(item.Pos, itemPath, $"expected a mapping with name, address and port, got {item.Describe()}");
                allValid = false;
                continue;
            }
            var sec = new Section(this, map, itemPath, ServerKeys);

            string? name = sec.String("name", null, ServerNameProblem,
                $"a name of 1 to {ConfigLimits.MaxServerNameLength} characters from a-z, 0-9 and '-'");
            if (name is not null)
            {
                YNode at = sec.Node("name")!;
                if (names.TryGetValue(name, out var first))
                {
                    Error(at.Pos, sec.KeyPath("name"), $"server name \"{name}\" is already used by servers[{first.Index}] (line {first.Node.Pos.Line})");
                }
                else
                {
                    names.Add(name, (i, at));
                }
            }

            IPAddress? address = sec.Ipv4Address("address", required: true);
            if (address is not null)
            {
                YNode at = sec.Node("address")!;
                string key = sec.KeyPath("address");
                if (addresses.TryGetValue(address, out var first))
                {
                    Error(at.Pos, key, $"address {address} is already used by servers[{first.Index}] (line {first.Node.Pos.Line})");
                    address = null;
                }
                else
                {
                    addresses.Add(address, (i, at));
                    if (vip is not null && address.Equals(vip))
                    {
                        Error(at.Pos, key, $"{address} is the service VIP (service.vip, line {vipNode!.Pos.Line}); a server needs an address of its own");
                        address = null;
                    }
                    else if (management is { } m && address.Equals(m.Address))
                    {
                        YNode? mNode = bridge.Node("management");
                        string where = mNode is null ? "the default bridge.management" : $"bridge.management, line {mNode.Pos.Line}";
                        Error(at.Pos, key, $"{address} is the appliance's management address ({where}); a server needs an address of its own");
                        address = null;
                    }
                    else if (management is { } m2 && !Ipv4.SameSubnet(address, m2.Address, m2.Prefix))
                    {
                        Warn(at.Pos, key,
                            $"{address} is outside the management subnet {Ipv4.Network(m2.Address, m2.Prefix)}/{m2.Prefix}; " +
                            "health probes and ARP leave from the management address");
                    }
                }
            }

            uint? port = sec.UInt("port", required: true, 1, ConfigLimits.MaxServerPort);
            if (port is { } p)
            {
                YNode at = sec.Node("port")!;
                if (ports.TryGetValue(p, out var first))
                {
                    Error(at.Pos, sec.KeyPath("port"), $"port {p} is already used by servers[{first.Index}] (line {first.Node.Pos.Line})");
                    port = null;
                }
                else
                {
                    ports.Add(p, (i, at));
                }
            }

            MacAddress? mac = null;
            bool macOk = true;
            if (sec.Node("mac") is { } macNode)
            {
                mac = sec.Mac("mac");
                macOk = mac is not null;
                if (mac is { } mv)
                {
                    string key = sec.KeyPath("mac");
                    if (macs.TryGetValue(mv, out var first))
                    {
                        Error(macNode.Pos, key, $"MAC {mv} is already used by servers[{first.Index}] (line {first.Node.Pos.Line})");
                        macOk = false;
                    }
                    else
                    {
                        macs.Add(mv, (i, macNode));
                        if (vmac == mv)
                        {
                            string where = vmacNode is null ? "derived from the VIP" : $"line {vmacNode.Pos.Line}";
                            Error(macNode.Pos, key, $"{mv} is the service vmac (service.vmac, {where}); a server needs a MAC of its own");
                            macOk = false;
                        }
                    }
                }
            }

            if (name is null || address is null || port is null || !macOk)
            {
                allValid = false;
                continue;
            }
            result.Add(new ServerConfig(name, address, port.Value, mac));
        }
        return allValid ? result : null;
    }

    private void CheckPinsDistinct(IEnumerable<(Section Sec, string Key, int? Pin)> pins)
    {
        var seen = new List<(Section Sec, string Key, int Pin, YNode? Node)>();
        // Report a clash on the pin written later in the file (a defaulted pin counts as "earlier").
        var ordered = pins
            .Where(p => p.Pin is not null)
            .Select(p => (p.Sec, p.Key, Pin: p.Pin!.Value, Node: p.Sec.Node(p.Key)))
            .OrderBy(p => p.Node is null ? 0 : 1)
            .ThenBy(p => p.Node?.Pos.Line ?? 0)
            .ThenBy(p => p.Node?.Pos.Column ?? 0)
            .ToList();
        foreach (var p in ordered)
        {
            var clash = seen.FirstOrDefault(q => q.Pin == p.Pin);
            if (clash.Sec is not null && p.Node is not null)
            {
                string other = clash.Sec.KeyPath(clash.Key);
                string where = clash.Node is null ? $"the default for {other}" : $"{other}, line {clash.Node.Pos.Line}";
                Error(p.Node.Pos, p.Sec.KeyPath(p.Key), $"pin {p.Pin} is already used by {where}; the three LEDs and the button need four different pins");
                continue;
            }
            seen.Add(p);
        }
    }

    private static string? BridgeNameProblem(string s)
    {
        if (s.Length == 0)
        {
            return "must not be empty";
        }
        if (System.Text.Encoding.UTF8.GetByteCount(s) > ConfigLimits.MaxBridgeNameLength)
        {
            return $"is longer than {ConfigLimits.MaxBridgeNameLength} bytes (the Linux interface name limit)";
        }
        if (s is "." or ".." || s.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return ""; // the caller's generic "expected …, got …" message
        }
        return null;
    }

    private static string? ServerNameProblem(string s) =>
        s.Length == 0 ? "must not be empty"
        : s.Length <= ConfigLimits.MaxServerNameLength && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') ? null
        : "";

    private static string? HealthPathProblem(string s) =>
        s.Length == 0 || s[0] != '/' ? "must start with '/'"
        : s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "must not contain spaces or control characters"
        : null;

    internal delegate bool TryParser<T>(string text, out T? value, out string? error);

    /// <summary>A mapping being read (or an absent/invalid one standing in for it), with its key path.</summary>
    internal sealed class Section
    {
        private readonly ConfigReader reader;
        private readonly Dictionary<string, YNode> values = new(StringComparer.Ordinal);

        private Section(ConfigReader reader, Pos pos, string path, bool valid)
        {
            this.reader = reader;
            Pos = pos;
            Path = path;
            Valid = valid;
        }

        public Section(ConfigReader reader, YMapping map, string path, string[] known)
            : this(reader, map.Pos, path, valid: true)
        {
            var firstLine = new Dictionary<string, YNode>(StringComparer.Ordinal);
            foreach ((YNode keyNode, YNode value) in map.Entries)
            {
                if (keyNode is not YScalar { IsNull: false } keyScalar)
                {
                    reader.Error(keyNode.Pos, path, $"keys must be plain names, got {keyNode.Describe()}");
                    continue;
                }
                string key = keyScalar.Value;
                if (firstLine.TryGetValue(key, out YNode? earlier))
                {
                    reader.Error(keyNode.Pos, KeyPath(key), $"duplicate key (first given on line {earlier.Pos.Line})");
                    continue;
                }
                firstLine.Add(key, keyNode);
                if (Array.IndexOf(known, key) < 0)
                {
                    reader.Error(keyNode.Pos, KeyPath(key), UnknownKeyMessage(key, known));
                    continue;
                }
                values.Add(key, value);
            }
        }

        /// <summary>Position of the mapping (or, for an absent one, of where it would be).</summary>
        public Pos Pos { get; }

        public string Path { get; }

        /// <summary>False when the section was given with the wrong type (already reported).</summary>
        public bool Valid { get; }

        public static Section Empty(ConfigReader reader, Pos pos, string path) => new(reader, pos, path, valid: true);

        public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

        public YNode? Node(string key) => values.GetValueOrDefault(key);

        /// <summary>A sub-mapping; absent or empty gives an empty section (all defaults).</summary>
        public Section Child(string key, string[] known, bool required = false)
        {
            YNode? node = Node(key);
            string path = KeyPath(key);
            switch (node)
            {
                case null:
                    if (required && Valid)
                    {
                        reader.Error(Pos, path, "required key missing");
                    }
                    return new Section(reader, Pos, path, valid: !required);
                case YMapping map:
                    return new Section(reader, map, path, known);
                case YScalar { IsNull: true } empty:
                    return new Section(reader, empty.Pos, path, valid: true);
                default:
                    reader.Error(node.Pos, path, $"expected a mapping ({string.Join(", ", known)}), got {node.Describe()}");
                    return new Section(reader, node.Pos, path, valid: false);
            }
        }

        /// <summary>
        /// The scalar under <paramref name="key"/>. False when it is absent (<paramref name="present"/> false; a
        /// required one is reported) or not a usable scalar (reported, <paramref name="present"/> true).
        /// </summary>
        public bool TryScalar(string key, string expected, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out YScalar? scalar,
            out bool present, bool required = false)
        {
            scalar = null;
            YNode? node = Node(key);
            if (node is null)
            {
                present = false;
                if (required && Valid)
                {
                    reader.Error(Pos, KeyPath(key), "required key missing");
                }
                return false;
            }
            present = true;
            if (node is YScalar { IsNull: false } s)
            {
                scalar = s;
                return true;
            }
            reader.Error(node.Pos, KeyPath(key), $"expected {expected}, got {node.Describe()}");
            return false;
        }

        public string? String(string key, string? def, Func<string, string?> problem, string expected)
        {
            if (!TryScalar(key, expected, out YScalar? s, out bool present, required: def is null))
            {
                return present ? null : def;
            }
            string? why = problem(s.Value);
            if (why is null)
            {
                return s.Value;
            }
            reader.Error(s.Pos, KeyPath(key), why.Length == 0 ? $"expected {expected}, got {s.Describe()}" : why);
            return null;
        }

        public int? Int(string key, int def, int min, int max)
        {
            long? v = Integer(key, required: false, min, max);
            return v is null ? (Node(key) is null ? def : null) : (int)v.Value;
        }

        public uint? UInt(string key, bool required, uint min, uint max)
        {
            long? v = Integer(key, required, min, max);
            return v is null ? null : (uint)v.Value;
        }

        private long? Integer(string key, bool required, long min, long max)
        {
            string expected = max == int.MaxValue
                ? $"an integer of {min} or more"
                : $"an integer from {min} to {max}";
            if (!TryScalar(key, expected, out YScalar? s, out _, required))
            {
                return null;
            }
            string t = s.Value;
            bool syntax = t.Length > 0 && t.Length <= 19
                && (t[0] == '-' ? t.Length > 1 && t[1..].All(char.IsAsciiDigit) : t.All(char.IsAsciiDigit));
            if (syntax && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max)
            {
                return v;
            }
            reader.Error(s.Pos, KeyPath(key), $"expected {expected}, got {s.Describe()}");
            return null;
        }

        public bool? Bool(string key, bool def)
        {
            if (!TryScalar(key, "true or false", out YScalar? s, out bool present))
            {
                return present ? null : def;
            }
            if (string.Equals(s.Value, "true", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
            if (string.Equals(s.Value, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            reader.Error(s.Pos, KeyPath(key), $"expected true or false, got {s.Describe()}");
            return null;
        }

        public T? Enum<T>(string key, T def, (string Name, T Value)[] names)
            where T : struct
        {
            string expected = "one of " + string.Join(", ", names.Select(n => n.Name));
            if (!TryScalar(key, expected, out YScalar? s, out bool present))
            {
                return present ? null : def;
            }
            foreach ((string name, T value) in names)
            {
                if (string.Equals(s.Value, name, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }
            reader.Error(s.Pos, KeyPath(key), $"expected {expected}, got {s.Describe()}");
            return null;
        }

        public TimeSpan? Duration(string key, TimeSpan def)
        {
            const string Expected = "a duration such as 20ms or 1.5s";
            if (!TryScalar(key, Expected, out YScalar? s, out bool present))
            {
                return present ? null : def;
            }
            if (ConfigDuration.TryParse(s.Value, out TimeSpan v, out string? error))
            {
                return v;
            }
            reader.Error(s.Pos, KeyPath(key), $"{error}, got {s.Describe()}");
            return null;
        }

        public IPAddress? Ipv4Address(string key, bool required)
        {
            const string Expected = "an IPv4 address such as 10.0.0.1";
            if (!TryScalar(key, Expected, out YScalar? s, out _, required))
            {
                return null;
            }
            if (global::Appliance.Config.Ipv4.LooksLikeIpv6(s.Value))
            {
                reader.Error(s.Pos, KeyPath(key), $"IPv6 is not supported here: expected {Expected}, got {s.Describe()}");
                return null;
            }
            if (!global::Appliance.Config.Ipv4.TryParseStrict(s.Value, out IPAddress? a))
            {
                reader.Error(s.Pos, KeyPath(key), $"expected {Expected}, got {s.Describe()}");
                return null;
            }
            if (global::Appliance.Config.Ipv4.UnusableReason(a) is { } why)
            {
                reader.Error(s.Pos, KeyPath(key), why);
                return null;
            }
            return a;
        }

        public MacAddress? Mac(string key)
        {
            const string Expected = "a MAC address such as 02:00:0a:00:00:64";
            if (!TryScalar(key, Expected, out YScalar? s, out _))
            {
                return null;
            }
            if (!MacAddress.TryParse(s.Value, out MacAddress mac))
            {
                reader.Error(s.Pos, KeyPath(key), $"expected {Expected}, got {s.Describe()}");
                return null;
            }
            if (mac.IsZero)
            {
                reader.Error(s.Pos, KeyPath(key), "00:00:00:00:00:00 is not a usable MAC address");
                return null;
            }
            if (mac.IsGroup)
            {
                reader.Error(s.Pos, KeyPath(key), $"{mac} is a group (multicast/broadcast) address; it must be unicast (lowest bit of the first byte clear)");
                return null;
            }
            return mac;
        }

        public T? Parsed<T>(string key, T? def, string expected, TryParser<T> parse)
            where T : class
        {
            if (!TryScalar(key, expected, out YScalar? s, out bool present))
            {
                return present ? null : def;
            }
            if (parse(s.Value, out T? v, out string? error) && v is not null)
            {
                return v;
            }
            reader.Error(s.Pos, KeyPath(key), error ?? $"expected {expected}, got {s.Describe()}");
            return null;
        }

        private static string UnknownKeyMessage(string key, string[] known)
        {
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (string k in known)
            {
                int d = EditDistance.Osa(key, k);
                if (d < bestDistance)
                {
                    best = k;
                    bestDistance = d;
                }
            }
            return best is not null && bestDistance <= 2
                ? $"unknown key \"{YScalar.Quote(key)}\"; did you mean \"{best}\"?"
                : $"unknown key \"{YScalar.Quote(key)}\"; expected one of {string.Join(", ", known)}";
        }
    }
}

/// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
internal static class EditDistance
{
    public static int Osa(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    v = Math.Min(v, d[i - 2, j - 2] + 1);
                }
                d[i, j] = v;
            }
        }
        return d[a.Length, b.Length];
    }
}
