using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Appliance.Config.Yaml;

/// <summary>A position in the text, 1-based.</summary>
internal readonly record struct Pos(int Line, int Column)
{
    public static Pos From(Mark m) => new((int)m.Line, (int)m.Column);
}

internal abstract class YNode(Pos pos)
{
    public Pos Pos { get; set; } = pos;

    /// <summary>"a mapping", "a list", "a scalar" for messages.</summary>
    public abstract string Describe();
}

internal sealed class YScalar(Pos pos, string value, ScalarStyle style) : YNode(pos)
{
    public string Value { get; } = value;

    public ScalarStyle Style { get; } = style;

    /// <summary>A plain scalar that YAML reads as null: empty, "~" or "null".</summary>
    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "nothing" : $"\"{Quote(Value)}\"";

    public static string Quote(string s)
    {
        string t = s.Length > 60 ? s[..57] + "..." : s;
        return t.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\t", "\\t", StringComparison.Ordinal);
    }
}

internal sealed class YSequence(Pos pos) : YNode(pos)
{
    public List<YNode> Items { get; } = [];

    public override string Describe() => "a list";
}

internal sealed class YMapping(Pos pos) : YNode(pos)
{
    public List<KeyValuePair<YNode, YNode>> Entries { get; } = [];

    public override string Describe() => "a mapping";
}

/// <summary>YAML text to a small node tree that keeps positions. Aliases resolve to the anchored node.</summary>
internal static partial class YamlTree
{
    /// <summary>Thrown for problems that stop reading the text (syntax errors, several documents).</summary>
    internal sealed class YamlTreeException(Pos pos, string message) : Exception(message)
    {
        public Pos Pos { get; } = pos;
    }

    /// <summary>The document's root node, or null when the text holds no document (empty or comments only).</summary>
    public static YNode? Load(string text)
    {
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }
            parser.Consume<DocumentStart>();
            YNode root = ReadNode(parser, anchors);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out DocumentStart? second))
            {
                throw new YamlTreeException(Pos.From(second.Start), "the file must hold a single YAML document");
            }
            parser.Consume<StreamEnd>();
            return root;
        }
        catch (YamlException ex)
        {
            throw new YamlTreeException(Pos.From(ex.Start), "YAML syntax error: " + CleanMessage(ex.Message));
        }
    }

    /// <summary>Deepest nesting accepted; a configuration needs 4 levels.</summary>
    public const int MaxDepth = 32;

    private static YNode ReadNode(IParser parser, Dictionary<string, YNode> anchors, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            ParsingEvent? at = parser.Current;
            throw new YamlTreeException(at is null ? new Pos(1, 1) : Pos.From(at.Start), $"the YAML is nested more than {MaxDepth} levels deep");
        }
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out YNode? target)
                ? target
                : throw new YamlTreeException(Pos.From(alias.Start), $"unknown alias *{alias.Value.Value}");
        }
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var node = new YScalar(Pos.From(scalar.Start), scalar.Value, scalar.Style);
            Remember(scalar, node, anchors);
            return node;
        }
        if (parser.TryConsume<SequenceStart>(out var seqStart))
        {
            var seq = new YSequence(Pos.From(seqStart.Start));
            Remember(seqStart, seq, anchors);
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                seq.Items.Add(ReadNode(parser, anchors, depth + 1));
            }
            return seq;
        }
        if (parser.TryConsume<MappingStart>(out var mapStart))
        {
            var map = new YMapping(Pos.From(mapStart.Start));
            Remember(mapStart, map, anchors);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                YNode key = ReadNode(parser, anchors, depth + 1);
                YNode value = ReadNode(parser, anchors, depth + 1);
                if (value is YScalar { IsNull: true, Value: "" } empty)
                {
                    // "key:" with nothing after it: point at the key, not at wherever the parser ended up
                    // (often the start of the next line).
                    empty.Pos = key.Pos;
                }
                map.Entries.Add(new(key, value));
            }
            return map;
        }
        ParsingEvent? current = parser.Current;
        throw new YamlTreeException(current is null ? new Pos(1, 1) : Pos.From(current.Start), "unexpected YAML content");
    }

    private static void Remember(NodeEvent e, YNode node, Dictionary<string, YNode> anchors)
    {
        if (!e.Anchor.IsEmpty)
        {
            anchors[e.Anchor.Value] = node;
        }
    }

    /// <summary>YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; the position is reported separately.</summary>
    private static string CleanMessage(string message) => PositionPrefix().Replace(message, "").Trim();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();
}
