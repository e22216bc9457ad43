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

    /// <summary>The text for inside double quotes: cut, quotes and backslashes escaped, then control characters (<see cref="Printable"/>).</summary>
    public static string Quote(string s) => Printable.Escape(Printable.Cut(s, Printable.MaxEcho)
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal));
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

/// <summary>
/// YAML text to a small node tree that keeps positions. Aliases resolve to the anchored node (the tree is never
/// expanded), but the values they repeat are counted, so a document that multiplies itself through aliases is
/// refused before any reader walks it.
/// </summary>
internal static partial class YamlTree
{
    /// <summary>Thrown for problems that stop reading the text (syntax errors, several documents).</summary>
    internal sealed class YamlTreeException(Pos pos, string message) : Exception(message)
    {
        public Pos Pos { get; } = pos;
    }

    /// <summary>Deepest nesting accepted; a configuration needs 4 levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// Most values aliases may repeat, counted as if every alias were replaced by a copy of its node. A
    /// configuration repeats a few values at most; 300 aliases of a mapping with 300 keys already make the reader
    /// report 90,000 errors.
    /// </summary>
    public const int MaxAliasedValues = 10_000;

    /// <summary>The document's root node, or null when the text holds no document (empty or comments only).</summary>
    public static YNode? Load(string text)
    {
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }
            parser.Consume<DocumentStart>();
            YNode root = new Reading().Node(parser, 0, out _);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out DocumentStart? second))
            {
                throw new YamlTreeException(Pos.From(second.Start), "the file must hold a single YAML document");
            }
            parser.Consume<StreamEnd>();
            return root;
        }
        catch (YamlException ex) when (ex.Message.Contains(" tab", StringComparison.Ordinal) && TabInIndentation(text, parser.LastLine) is { } tab)
        {
            // YamlDotNet reports a tab in the indentation where the scalar or mapping before it started (often
            // lines earlier, or 1:1): point at the tab itself.
            throw new YamlTreeException(tab, "YAML syntax error: a tab in the indentation; indent with spaces");
        }
        catch (YamlException ex)
        {
            throw new YamlTreeException(Pos.From(ex.Start), "YAML syntax error: " + CleanMessage(ex.Message));
        }
    }

    /// <summary>The first line from <paramref name="fromLine"/> on whose indentation holds a tab, and the tab's column.</summary>
    private static Pos? TabInIndentation(string text, int fromLine)
    {
        ReadOnlySpan<char> rest = text;
        for (int line = 1; !rest.IsEmpty; line++)
        {
            int end = rest.IndexOf('\n');
            ReadOnlySpan<char> content = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (line < fromLine)
            {
                continue;
            }
            int indent = content.IndexOfAnyExcept(' ', '\t');
            int tab = content[..(indent < 0 ? content.Length : indent)].IndexOf('\t');
            if (tab >= 0)
            {
                return new Pos(line, tab + 1);
            }
        }
        return null;
    }

    /// <summary>One document being read: its anchors, and how many values its aliases have repeated so far.</summary>
    private sealed class Reading
    {
        private readonly Dictionary<string, (YNode Node, long Size)> anchors = new(StringComparer.Ordinal);
        private long aliased;

        /// <summary>Reads a node; <paramref name="size"/> is its number of values with every alias expanded.</summary>
        public YNode Node(IParser parser, int depth, out long size)
        {
            if (depth > MaxDepth)
            {
                ParsingEvent? at = parser.Current;
                throw new YamlTreeException(at is null ? new Pos(1, 1) : Pos.From(at.Start), $"the YAML is nested more than {MaxDepth} levels deep");
            }
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (!anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new YamlTreeException(Pos.From(alias.Start), $"unknown alias *{alias.Value.Value}");
                }
                size = target.Size;
                aliased += size;
                if (aliased > MaxAliasedValues)
                {
                    throw new YamlTreeException(Pos.From(alias.Start),
                        $"aliases repeat more than {MaxAliasedValues} values; write them out (a document that multiplies itself through aliases is refused)");
                }
                return target.Node;
            }
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                var node = new YScalar(Pos.From(scalar.Start), scalar.Value, scalar.Style);
                size = 1;
                Anchor(scalar, node);
                return node;
            }
            if (parser.TryConsume<SequenceStart>(out var seqStart))
            {
                var seq = new YSequence(Pos.From(seqStart.Start));
                // Anchored before its items, so an item may alias it (counted as one value).
                Anchor(seqStart, seq);
                size = 1;
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    seq.Items.Add(Node(parser, depth + 1, out long itemSize));
                    size += itemSize;
                }
                Sized(seqStart, seq, size);
                return seq;
            }
            if (parser.TryConsume<MappingStart>(out var mapStart))
            {
                var map = new YMapping(Pos.From(mapStart.Start));
                Anchor(mapStart, map);
                size = 1;
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    YNode key = Node(parser, depth + 1, out long keySize);
                    YNode value = Node(parser, depth + 1, out long valueSize);
                    size += keySize + valueSize;
                    if (value is YScalar { IsNull: true, Value: "" } empty)
                    {
                        // "key:" with nothing after it: point at the key, not at wherever the parser ended up
                        // (often the start of the next line).
                        empty.Pos = key.Pos;
                    }
                    map.Entries.Add(new(key, value));
                }
                Sized(mapStart, map, size);
                return map;
            }
            ParsingEvent? current = parser.Current;
            throw new YamlTreeException(current is null ? new Pos(1, 1) : Pos.From(current.Start), "unexpected YAML content");
        }

        /// <summary>Where a node starts: its anchor now names it (a later anchor of the same name wins, as in YAML).</summary>
        private void Anchor(NodeEvent e, YNode node)
        {
            if (!e.Anchor.IsEmpty)
            {
                anchors[e.Anchor.Value] = (node, 1);
            }
        }

        /// <summary>Where a collection ends: its full size, unless one of its own items took the anchor's name.</summary>
        private void Sized(NodeEvent e, YNode node, long size)
        {
            if (!e.Anchor.IsEmpty && anchors[e.Anchor.Value].Node == node)
            {
                anchors[e.Anchor.Value] = (node, size);
            }
        }
    }

    /// <summary>A parser that remembers the line of the last event it gave, to place errors its scanner places badly.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public int LastLine { get; private set; } = 1;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } given)
            {
                LastLine = (int)given.Start.Line;
            }
            return inner.MoveNext();
        }
    }

    /// <summary>YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: …): "; the position is reported separately.</summary>
    private static string CleanMessage(string message) => PositionPrefix().Replace(message, "").Trim();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();
}
