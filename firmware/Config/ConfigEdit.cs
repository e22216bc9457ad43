using System.Buffers;
using System.Globalization;
using System.Text;
using Appliance.Config.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Appliance.Config;

/// <summary>What a set of key edits made of a configuration text: the new text, or why an edit could not be made.</summary>
/// <param name="Text">The text with every edit made (the input text when an edit failed).</param>
/// <param name="Errors">Edits that could not be made, each placed where it failed; empty when all were made.</param>
public sealed record ConfigEditResult(string Text, IReadOnlyList<ConfigError> Errors);

/// <summary>
/// Edits <c>appliance.yml</c> by dotted key (<c>health.interval</c>, <c>servers.1.address</c>, <c>notify.email.to</c>)
/// on the text itself, so that comments, order and layout stay as the operator wrote them: only the edited value's
/// characters change, a new key is a new line under its section (or a new entry in a flow mapping), a removed key
/// loses its lines. Nothing here knows the sections: any key of any section is edited alike, and whether the result
/// is a valid configuration is the reader's to say (<see cref="ConfigLoader.TryParse(string, string, out ApplianceConfig?, out IReadOnlyList{ConfigError})"/>).
/// </summary>
public static class ConfigEdit
{
    /// <summary>Largest text edited or applied through the API: a real configuration is a few KB.</summary>
    public const int MaxTextBytes = 64 * 1024;

    /// <summary>Most edits in one change: a page changes a few dozen keys at most, and each edit reads the text again.</summary>
    public const int MaxEdits = 256;

    /// <summary>Most parts of a key: the deepest key of a configuration has 4.</summary>
    public const int MaxKeyParts = 8;

    /// <summary>Makes each of <paramref name="set"/> then each of <paramref name="remove"/> on <paramref name="text"/>.</summary>
    /// <param name="sourceName">The file name errors carry.</param>
    public static ConfigEditResult Apply(string text, IEnumerable<KeyValuePair<string, string>> set, IEnumerable<string> remove, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(remove);
        var errors = new List<ConfigError>();
        string current = text;
        var edits = set.Select(s => (s.Key, Value: (string?)s.Value)).Concat(remove.Select(k => (Key: k, Value: (string?)null))).Take(MaxEdits + 1).ToList();
        if (edits.Count > MaxEdits)
        {
            return new ConfigEditResult(text, [new ConfigError(sourceName, 0, 0, "", $"at most {MaxEdits} keys may be changed at once")]);
        }
        foreach ((string key, string? value) in edits)
        {
            Func<Tree, Splice?> edit = value is null ? tree => Remove(tree, key) : tree => Set(tree, key, value);
            if (Edit(current, key, sourceName, errors, edit) is { } next) current = next;
            // Checked as it grows: a text too large to apply is not worth reading again.
            if (current.Length > MaxTextBytes)
            {
                errors.Add(new ConfigError(sourceName, 0, 0, "", $"the configuration may be at most {MaxTextBytes / 1024} KiB ({MaxTextBytes} bytes) here"));
                break;
            }
        }
        return errors.Count > 0 ? new ConfigEditResult(text, errors) : new ConfigEditResult(current, []);
    }

    /// <summary>
    /// The file's values by dotted key, as written: every scalar (a list of scalars as <c>[a, b]</c>, the form
    /// <see cref="Apply"/> takes back), in file order. Keys the file leaves out are not listed (they have their
    /// defaults). Items of lists of mappings are listed by index (<c>servers.0.name</c>).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Values(string text)
    {
        var values = new List<KeyValuePair<string, string>>();
        SNode? root;
        try
        {
            _ = YamlTree.Load(text);
            root = SpanTree.Load(text);
        }
        catch (Exception e) when (e is YamlTree.YamlTreeException or YamlException)
        {
            return values;
        }
        if (root is not null) Collect(text, root, "", values);
        return values;
    }

    private static void Collect(string text, SNode node, string path, List<KeyValuePair<string, string>> values)
    {
        switch (node.Kind)
        {
            case SKind.Map:
                foreach ((SNode key, SNode value) in node.Entries)
                {
                    if (key.Kind == SKind.Scalar) Collect(text, value, path.Length == 0 ? key.Value : $"{path}.{key.Value}", values);
                }
                break;
            case SKind.Seq when node.Items.All(i => i.Kind == SKind.Scalar):
                values.Add(new(path, "[" + string.Join(", ", node.Items.Select(i => text[i.Start..i.End])) + "]"));
                break;
            case SKind.Seq:
                for (int i = 0; i < node.Items.Count; i++) Collect(text, node.Items[i], $"{path}.{i.ToString(CultureInfo.InvariantCulture)}", values);
                break;
            case SKind.Scalar when !node.IsNull:
                values.Add(new(path, node.Value));
                break;
            default:
                break;
        }
    }

    /// <summary>An edit that cannot be made: where it stopped, and why.</summary>
    private sealed class EditException(int line, int column, string message) : Exception(message)
    {
        public int Line { get; } = line;

        public int Column { get; } = column;
    }

    /// <summary>A change of the text: <see cref="Length"/> characters at <see cref="Start"/> become <see cref="Insert"/>.</summary>
    private readonly record struct Splice(int Start, int Length, string Insert);

    private static string? Edit(string text, string key, string sourceName, List<ConfigError> errors, Func<Tree, Splice?> edit)
    {
        if (Segments(key) is null)
        {
            errors.Add(new ConfigError(sourceName, 0, 0, Printable.Echo(key), $"a key is at most {MaxKeyParts} names separated by dots, such as health.interval or servers.1.address"));
            return null;
        }
        try
        {
            // The reader's own refusals first (syntax, aliases that multiply, nesting), with its messages.
            _ = YamlTree.Load(text);
            var tree = new Tree(text, SpanTree.Load(text));
            return edit(tree) is { } splice ? string.Concat(text.AsSpan(0, splice.Start), splice.Insert, text.AsSpan(splice.Start + splice.Length)) : text;
        }
        catch (YamlTree.YamlTreeException e)
        {
            errors.Add(new ConfigError(sourceName, e.Pos.Line, e.Pos.Column, "", e.Message));
        }
        catch (YamlException e)
        {
            errors.Add(new ConfigError(sourceName, (int)e.Start.Line, (int)e.Start.Column, "", "YAML syntax error: " + e.Message));
        }
        catch (EditException e)
        {
            errors.Add(new ConfigError(sourceName, e.Line, e.Column, Printable.Echo(key), Printable.Escape(e.Message)));
        }
        return null;
    }

    private static string[]? Segments(string key)
    {
        if (string.IsNullOrEmpty(key)) return null;
        string[] segments = key.Split('.');
        return segments.Length > MaxKeyParts || segments.Any(s => s.Length == 0 || s.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ':' or '#' or '[' or ']' or '{' or '}' or ',' or '"' or '\''))
            ? null
            : segments;
    }

    private static bool IsIndex(string segment, out int index) =>
        int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out index);

    private sealed record Tree(string Text, SNode? Root);

    private static Splice? Set(Tree tree, string key, string value)
    {
        string[] path = Segments(key)!;
        string rendered = Render(value);
        string text = tree.Text;
        if (tree.Root is null || tree.Root is { Kind: SKind.Scalar, IsNull: true })
        {
            // An empty file (or comments only): the section goes at the end.
            string block = Block(path, rendered, 0);
            string prefix = text.Length == 0 || text.EndsWith('\n') ? "" : "\n";
            return tree.Root is { Start: var s, End: var e } && e > s
                ? new Splice(s, e - s, block.TrimEnd('\n'))
                : new Splice(text.Length, 0, prefix + block);
        }
        SNode node = tree.Root;
        SNode? owner = null; // the key whose value node is
        for (int i = 0; i < path.Length; i++)
        {
            string segment = path[i];
            string[] rest = path[i..];
            bool last = i == path.Length - 1;
            switch (node.Kind)
            {
                case SKind.Map:
                    {
                        int at = node.Entries.FindIndex(e => e.Key.Kind == SKind.Scalar && e.Key.Value == segment);
                        if (at < 0) return InsertIntoMap(text, node, rest, rendered);
                        (SNode k, SNode v) = node.Entries[at];
                        if (last) return ReplaceValue(text, k, v, rendered);
                        owner = k;
                        node = v;
                        break;
                    }
                case SKind.Seq:
                    {
                        if (!IsIndex(segment, out int index))
                        {
                            throw Problem(node, $"{Where(path, i)} is a list: the next part of the key must be an item's number from 0, not \"{Printable.Echo(segment)}\"");
                        }
                        if (index < node.Items.Count)
                        {
                            if (last) return ReplaceItem(text, node.Items[index], rendered);
                            owner = null;
                            node = node.Items[index];
                            break;
                        }
                        if (index == node.Items.Count) return AppendItem(text, node, path[(i + 1)..], rendered);
                        throw Problem(node, $"{Where(path, i)} has {node.Items.Count} item{(node.Items.Count == 1 ? "" : "s")} (0 to {node.Items.Count - 1}); a new one is number {node.Items.Count}");
                    }
                case SKind.Scalar when node.IsNull && owner is not null:
                    return FillEmpty(text, owner, node, rest, rendered);
                case SKind.Alias:
                    throw Problem(node, $"{Where(path, i)} is an alias (*name): edit the text instead");
                default:
                    throw Problem(node, $"{Where(path, i)} is a value, not a section: cannot set {string.Join('.', path)}");
            }
        }
        return null;
    }

    private static Splice? Remove(Tree tree, string key)
    {
        string[] path = Segments(key)!;
        string text = tree.Text;
        SNode? node = tree.Root;
        for (int i = 0; i < path.Length && node is not null; i++)
        {
            bool last = i == path.Length - 1;
            switch (node.Kind)
            {
                case SKind.Map:
                    {
                        int at = node.Entries.FindIndex(e => e.Key.Kind == SKind.Scalar && e.Key.Value == path[i]);
                        // Removing what is not there leaves the text as it is: the result is the same.
                        if (at < 0) return null;
                        if (last) return node.Flow ? RemoveFlow(text, node, at) : RemoveBlockEntry(text, node.Entries[at].Key, node.Entries[at].Value);
                        node = node.Entries[at].Value;
                        break;
                    }
                case SKind.Seq:
                    {
                        if (!IsIndex(path[i], out int index) || index >= node.Items.Count) return null;
                        if (last) return node.Flow ? RemoveFlow(text, node, index) : RemoveBlockItem(text, node.Items[index]);
                        node = node.Items[index];
                        break;
                    }
                default:
                    return null;
            }
        }
        return null;
    }

    private static string Where(string[] path, int i) => i == 0 ? "the file" : string.Join('.', path[..i]);

    private static EditException Problem(SNode node, string message) => new(node.Line, node.Column, message);

    // ---- making a change ----

    private static Splice ReplaceValue(string text, SNode key, SNode value, string rendered)
    {
        if (value.Kind == SKind.Scalar && value.IsNull && value.End == value.Start)
        {
            // "key:" with nothing after it: the value goes after the colon.
            int colon = ColonAfter(text, key);
            return new Splice(colon + 1, 0, " " + rendered);
        }
        if (value.Kind == SKind.Alias) throw Problem(value, "the value is an alias (*name): edit the text instead");
        if (!value.Flow && value.Kind is SKind.Map or SKind.Seq)
        {
            // A block section replaced by a one-line value: it goes after the key, the old lines go.
            int colon = ColonAfter(text, key);
            int end = LineEnd(text, value.End);
            return new Splice(colon + 1, end - colon - 1, " " + rendered);
        }
        return new Splice(value.Start, value.End - value.Start, rendered);
    }

    private static Splice ReplaceItem(string text, SNode item, string rendered)
    {
        if (item.Kind == SKind.Alias) throw Problem(item, "the item is an alias (*name): edit the text instead");
        if (!item.Flow && item.Kind is SKind.Map or SKind.Seq)
        {
            int end = LineEnd(text, item.End);
            return new Splice(item.Start, end - item.Start, rendered);
        }
        return new Splice(item.Start, item.End - item.Start, rendered);
    }

    private static Splice InsertIntoMap(string text, SNode map, string[] rest, string rendered)
    {
        if (IsIndex(rest[0], out _)) throw Problem(map, $"there is no list \"{Printable.Echo(rest[0])}\" to add an item to; write the list in the text");
        if (map.Flow)
        {
            int close = map.End - 1;
            string entry = Flow(rest, rendered);
            return map.Entries.Count == 0 ? new Splice(close, 0, " " + entry + " ") : new Splice(map.Entries[^1].Value.End, 0, ", " + entry);
        }
        int indent = map.Column - 1;
        int at = LineEnd(text, map.End);
        string prefix = at > 0 && text[at - 1] != '\n' ? "\n" : "";
        return new Splice(at, 0, prefix + Block(rest, rendered, indent));
    }

    private static Splice AppendItem(string text, SNode seq, string[] rest, string rendered)
    {
        if (rest.Length > 0 && IsIndex(rest[0], out _)) throw Problem(seq, "a new item that is itself a list: write it in the text");
        if (seq.Flow)
        {
            string item = rest.Length == 0 ? rendered : "{ " + Flow(rest, rendered) + " }";
            return seq.Items.Count == 0 ? new Splice(seq.End - 1, 0, item) : new Splice(seq.Items[^1].End, 0, ", " + item);
        }
        // The dash of the first item sets the column.
        int dash = seq.Column - 1;
        int at = LineEnd(text, seq.End);
        string prefix = at > 0 && text[at - 1] != '\n' ? "\n" : "";
        // Written as the items before it are: "- { name: x }" after flow items, block lines otherwise.
        string line = rest.Length == 0
            ? new string(' ', dash) + "- " + rendered + "\n"
            : seq.Items is [.., { Flow: true, Kind: SKind.Map }]
                ? new string(' ', dash) + "- { " + Flow(rest, rendered) + " }\n"
                : new string(' ', dash) + "- " + Block(rest, rendered, dash + 2)[(dash + 2)..];
        return new Splice(at, 0, prefix + line);
    }

    private static Splice FillEmpty(string text, SNode key, SNode empty, string[] rest, string rendered)
    {
        if (IsIndex(rest[0], out _)) throw Problem(key, $"there is no list to add an item to under {key.Value}; write the list in the text");
        int colon = ColonAfter(text, key);
        int indent = KeyIndent(text, key) + 2;
        // "key:", "key: ~" or "key: null": the section's lines go after it (the null goes).
        int end = empty.End > empty.Start ? empty.End : colon + 1;
        return new Splice(colon + 1, end - colon - 1, "\n" + Block(rest, rendered, indent).TrimEnd('\n'));
    }

    private static Splice RemoveBlockEntry(string text, SNode key, SNode value)
    {
        int start = LineStart(text, key.Start);
        if (text.AsSpan(start, key.Start - start).Trim(' ').Length > 0)
        {
            throw Problem(key, "the key shares its line with the list item's dash; edit the text instead");
        }
        int end = LineEnd(text, Math.Max(value.End, key.End));
        return new Splice(start, end - start, "");
    }

    private static Splice RemoveBlockItem(string text, SNode item)
    {
        int start = LineStart(text, item.Start);
        int end = LineEnd(text, item.End);
        return new Splice(start, end - start, "");
    }

    private static Splice RemoveFlow(string text, SNode collection, int index)
    {
        (int start, int end) = collection.Kind == SKind.Map
            ? (collection.Entries[index].Key.Start, collection.Entries[index].Value.End)
            : (collection.Items[index].Start, collection.Items[index].End);
        // With the comma after it, or for the last one the comma before it.
        int count = collection.Kind == SKind.Map ? collection.Entries.Count : collection.Items.Count;
        if (index < count - 1)
        {
            int next = collection.Kind == SKind.Map ? collection.Entries[index + 1].Key.Start : collection.Items[index + 1].Start;
            return new Splice(start, next - start, "");
        }
        if (index > 0)
        {
            int before = collection.Kind == SKind.Map ? collection.Entries[index - 1].Value.End : collection.Items[index - 1].End;
            return new Splice(before, end - before, "");
        }
        return new Splice(start, end - start, "");
    }

    // ---- text helpers ----

    private static int ColonAfter(string text, SNode key)
    {
        int colon = text.IndexOf(':', key.End);
        return colon < 0 ? throw Problem(key, "cannot find the colon after the key") : colon;
    }

    private static int KeyIndent(string text, SNode key) => key.Start - LineStart(text, key.Start);

    private static int LineStart(string text, int index)
    {
        int nl = index == 0 ? -1 : text.LastIndexOf('\n', index - 1);
        return nl + 1;
    }

    /// <summary>Just past the end of the line holding <paramref name="index"/> - 1 (its newline included), or the end of the text.</summary>
    private static int LineEnd(string text, int index)
    {
        if (index > 0 && text[index - 1] == '\n') return index;
        int nl = text.IndexOf('\n', index);
        return nl < 0 ? text.Length : nl + 1;
    }

    /// <summary>"a:\n  b: v\n" at <paramref name="indent"/>.</summary>
    private static string Block(string[] path, string rendered, int indent)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < path.Length; i++)
        {
            sb.Append(' ', indent + (2 * i)).Append(path[i]).Append(':');
            sb.Append(i == path.Length - 1 ? " " + rendered + "\n" : "\n");
        }
        return sb.ToString();
    }

    private static readonly SearchValues<char> FlowIndicators = SearchValues.Create(",[]{}");

    /// <summary>"a: { b: v }".</summary>
    private static string Flow(string[] path, string rendered) =>
        path.Length == 1 ? $"{path[0]}: {rendered}" : $"{path[0]}: {{ {Flow(path[1..], rendered)} }}";

    /// <summary>
    /// A value as YAML: a one-line flow list or mapping (<c>[a@b, c@d]</c>) as given; a text YAML reads back as
    /// the same plain scalar as given; anything else double-quoted.
    /// </summary>
    public static string Render(string value) => Render(value, collections: true);

    /// <param name="collections">
    /// Whether a value written as a flow list or mapping stays one; false for the items of a list, each one value.
    /// </param>
    public static string Render(string value, bool collections)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && !value.Contains('\n') && !value.Contains('\r') && ReadsBackAs(value) is { } kind)
        {
            // Plain only where it reads the same in any context: inside { … } or [ … ] a comma or bracket would
            // end it and start another key or item.
            if (kind == SKind.Scalar && value.AsSpan().IndexOfAny(FlowIndicators) < 0) return value;
            if (collections && value[0] is '[' or '{') return value;
        }
        var sb = new StringBuilder("\"");
        foreach (char c in value)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                '\n' => sb.Append("\\n"),
                '\t' => sb.Append("\\t"),
                '\r' => sb.Append("\\r"),
                _ when char.IsControl(c) => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => sb.Append(c),
            };
        }
        return sb.Append('"').ToString();
    }

    /// <summary>What "k: value" reads as: a plain scalar equal to the value, a flow collection of the whole value without anchors or aliases, or null.</summary>
    private static SKind? ReadsBackAs(string value)
    {
        string doc = "k: " + value;
        try
        {
            _ = YamlTree.Load(doc);
            SNode? root = SpanTree.Load(doc);
            if (root is not { Kind: SKind.Map, Entries: [(_, var v)] }) return null;
            if (v.Kind == SKind.Scalar && v.Style == ScalarStyle.Plain && v.Value == value && !v.IsNull) return SKind.Scalar;
            if (v.Kind is SKind.Map or SKind.Seq && v.Flow && v.Start == 3 && v.End == doc.Length && !SpanTree.HasAnchors(v)) return v.Kind;
            return null;
        }
        catch (Exception e) when (e is YamlException or YamlTree.YamlTreeException)
        {
            return null;
        }
    }

    // ---- the text's nodes with their character spans ----

    private enum SKind
    {
        Scalar,
        Map,
        Seq,
        Alias,
    }

    /// <summary>A node and the characters it spans: [Start, End), End just after its last character (not its trailing comments or lines).</summary>
    private sealed class SNode(SKind kind, int start, int line, int column)
    {
        public SKind Kind { get; } = kind;

        public int Start { get; } = start;

        public int End { get; set; } = start;

        public int Line { get; } = line;

        public int Column { get; } = column;

        public bool Flow { get; init; }

        public bool Anchored { get; init; }

        public string Value { get; init; } = "";

        public ScalarStyle Style { get; init; }

        public bool IsNull => Kind == SKind.Scalar && Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

        public List<(SNode Key, SNode Value)> Entries { get; } = [];

        public List<SNode> Items { get; } = [];
    }

    private static class SpanTree
    {
        /// <summary>The root, or null for a text without a document. Aliases are kept as aliases, never expanded.</summary>
        public static SNode? Load(string text)
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            return Node(parser, 0);
        }

        public static bool HasAnchors(SNode node) =>
            node.Anchored || node.Kind == SKind.Alias || node.Items.Any(HasAnchors) || node.Entries.Any(e => HasAnchors(e.Key) || HasAnchors(e.Value));

        private static SNode Node(IParser parser, int depth)
        {
            // YamlTree.Load has already refused deeper nesting; this only keeps the recursion bounded.
            if (depth > YamlTree.MaxDepth + 1) throw new YamlException("nested too deep");
            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                return new SNode(SKind.Alias, (int)alias.Start.Index, (int)alias.Start.Line, (int)alias.Start.Column) { End = (int)alias.End.Index };
            }
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                return new SNode(SKind.Scalar, (int)scalar.Start.Index, (int)scalar.Start.Line, (int)scalar.Start.Column)
                {
                    End = (int)scalar.End.Index,
                    Value = scalar.Value,
                    Style = scalar.Style,
                    Anchored = !scalar.Anchor.IsEmpty,
                };
            }
            if (parser.TryConsume<SequenceStart>(out var seqStart))
            {
                var seq = new SNode(SKind.Seq, (int)seqStart.Start.Index, (int)seqStart.Start.Line, (int)seqStart.Start.Column)
                {
                    Flow = seqStart.Style == SequenceStyle.Flow,
                    Anchored = !seqStart.Anchor.IsEmpty,
                };
                SequenceEnd end;
                while (!parser.TryConsume(out end!))
                {
                    seq.Items.Add(Node(parser, depth + 1));
                }
                seq.End = seq.Flow ? (int)end.Start.Index + 1 : seq.Items.Count > 0 ? seq.Items[^1].End : seq.Start;
                return seq;
            }
            if (parser.TryConsume<MappingStart>(out var mapStart))
            {
                var map = new SNode(SKind.Map, (int)mapStart.Start.Index, (int)mapStart.Start.Line, (int)mapStart.Start.Column)
                {
                    Flow = mapStart.Style == MappingStyle.Flow,
                    Anchored = !mapStart.Anchor.IsEmpty,
                };
                MappingEnd end;
                while (!parser.TryConsume(out end!))
                {
                    SNode key = Node(parser, depth + 1);
                    SNode value = Node(parser, depth + 1);
                    if (value is { Kind: SKind.Scalar, Style: ScalarStyle.Plain, Value: "" })
                    {
                        // "key:" with nothing after it: the parser places the empty value wherever it stopped
                        // (often the next line); it is at the end of the key.
                        value = new SNode(SKind.Scalar, key.End, key.Line, key.Column) { End = key.End, Style = ScalarStyle.Plain };
                    }
                    map.Entries.Add((key, value));
                }
                map.End = map.Flow ? (int)end.Start.Index + 1 : map.Entries.Count > 0 ? Math.Max(map.Entries[^1].Value.End, map.Entries[^1].Key.End) : map.Start;
                return map;
            }
            throw new YamlException(parser.Current?.Start ?? Mark.Empty, parser.Current?.End ?? Mark.Empty, "unexpected YAML content");
        }
    }
}
