using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Appliance.Config.Yaml;

namespace Appliance.Config;

internal sealed partial class ConfigReader
{
    internal delegate bool TryParser<T>(string text, out T? value, out string? error);

    /// <summary>
    /// A mapping being read (or an absent, empty or wrongly typed one standing in for it), with its key path.
    /// The section's keys are the ones its reader asks for (any read, or <see cref="Node"/>), in the order asked:
    /// there is no separate list of known keys, so a reader asks for each of its keys on every path. Keys
    /// nobody asked for are reported by <see cref="ReportUnknownKeys"/> once every section has been read.
    /// </summary>
    internal sealed class Section
    {
        private readonly ConfigReader reader;
        private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
        private readonly List<string> known = [];
        private readonly WrongType? wrongType;

        private Section(ConfigReader reader, Pos pos, string path, bool valid)
        {
            this.reader = reader;
            Pos = pos;
            Path = path;
            Valid = valid;
        }

        /// <summary>A mapping given in the file.</summary>
        public Section(ConfigReader reader, YMapping map, string path)
            : this(reader, map.Pos, path, valid: true)
        {
            foreach ((YNode keyNode, YNode value) in map.Entries)
            {
                if (keyNode is not YScalar { IsNull: false } keyScalar)
                {
                    reader.Error(keyNode.Pos, path, $"keys must be plain names, got {keyNode.Describe()}");
                    continue;
                }
                string key = keyScalar.Value;
                if (entries.TryGetValue(key, out Entry earlier))
                {
                    reader.Error(keyNode.Pos, KeyPath(key), $"duplicate key (first given on line {earlier.Key.Pos.Line})");
                    continue;
                }
                // Whether the key is known is decided after reading; it is reported in this place of the order.
                entries.Add(key, new Entry(keyNode, value, reader.NextOrder()));
            }
            reader.sections.Add(this);
        }

        /// <summary>A node given where a mapping belongs (reported once the section's keys are known).</summary>
        private Section(ConfigReader reader, YNode node, string path, string expected)
            : this(reader, node.Pos, path, valid: false)
        {
            wrongType = new WrongType(node, expected, reader.NextOrder());
            reader.sections.Add(this);
        }

        private readonly record struct Entry(YNode Key, YNode Value, int Order);

        private readonly record struct WrongType(YNode Node, string Expected, int Order);

        /// <summary>Position of the mapping (or, for an absent one, of where it would be).</summary>
        public Pos Pos { get; }

        public string Path { get; }

        /// <summary>False when the section was given with the wrong type (reported).</summary>
        public bool Valid { get; }

        /// <summary>The document's top level; an empty document reports missing keys at the top of the file.</summary>
        public static Section Root(ConfigReader reader, YNode? node) => node switch
        {
            null or YScalar { IsNull: true } => new Section(reader, new Pos(1, 1), "", valid: true),
            YMapping map => new Section(reader, map, ""),
            _ => new Section(reader, node, "", "a mapping of sections"),
        };

        /// <summary>The dotted path of <paramref name="key"/> for messages; a key from the file is echoed cut and escaped.</summary>
        public string KeyPath(string key) => Path.Length == 0 ? Printable.Echo(key) : $"{Path}.{Printable.Echo(key)}";

        /// <summary>The value under <paramref name="key"/>, or null when absent; makes the key a known one.</summary>
        public YNode? Node(string key)
        {
            if (!known.Contains(key))
            {
                known.Add(key);
            }
            return entries.TryGetValue(key, out Entry entry) ? entry.Value : null;
        }

        /// <summary>A sub-mapping; absent or empty gives an empty section (all defaults).</summary>
        public Section Child(string key, bool required = false)
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
                    return new Section(reader, map, path);
                case YScalar { IsNull: true } empty:
                    return new Section(reader, empty.Pos, path, valid: true);
                default:
                    return new Section(reader, node, path, "a mapping");
            }
        }

        /// <summary>Reports a wrong type and the keys no reader asked for, each in the place its node was found.</summary>
        public void ReportUnknownKeys()
        {
            if (wrongType is { } w)
            {
                reader.Error(w.Order, w.Node.Pos, Path, $"expected {w.Expected} ({string.Join(", ", known)}), got {w.Node.Describe()}");
            }
            foreach ((string key, Entry entry) in entries)
            {
                if (!known.Contains(key))
                {
                    reader.Error(entry.Order, entry.Key.Pos, KeyPath(key), UnknownKeyMessage(key));
                }
            }
        }

        /// <summary>
        /// The scalar under <paramref name="key"/>. False when it is absent (<paramref name="present"/> false; a
        /// required one is reported) or not a usable scalar (reported, <paramref name="present"/> true).
        /// </summary>
        public bool TryScalar(string key, string expected, [NotNullWhen(true)] out YScalar? scalar,
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
            if (Ipv4.LooksLikeIpv6(s.Value))
            {
                reader.Error(s.Pos, KeyPath(key), $"IPv6 is not supported here: expected {Expected}, got {s.Describe()}");
                return null;
            }
            if (!Ipv4.TryParseStrict(s.Value, out IPAddress? a))
            {
                reader.Error(s.Pos, KeyPath(key), $"expected {Expected}, got {s.Describe()}");
                return null;
            }
            if (Ipv4.UnusableReason(a) is { } why)
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

        private string UnknownKeyMessage(string key)
        {
            string? best = null;
            int bestDistance = int.MaxValue;
            foreach (string k in known)
            {
                // Each extra character is an edit: a key of another length by more than 2 cannot be "near".
                if (Math.Abs(key.Length - k.Length) > 2)
                {
                    continue;
                }
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
