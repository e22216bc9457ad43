using System.Globalization;
using System.Text;

namespace Appliance.Config;

/// <summary>
/// Text from the file as messages show it. Keys and values are echoed on a terminal and in the journal: they must
/// not carry control characters (an escape sequence can repaint the screen, a CR or LF can forge a log line, a
/// bidi override can reorder what is shown) and must not be long (a 1 MiB key would be printed whole).
/// </summary>
public static class Printable
{
    /// <summary>Longest echo of one key or value, in characters before escaping.</summary>
    public const int MaxEcho = 60;

    /// <summary>A key or value as messages echo it: cut to <see cref="MaxEcho"/>, escaped.</summary>
    public static string Echo(string text) => Escape(Cut(text, MaxEcho));

    /// <summary>At most <paramref name="max"/> characters: longer text is cut and ends in "..." (never inside a surrogate pair).</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        int keep = max - 3;
        if (char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }
        return string.Concat(text.AsSpan(0, keep), "...");
    }

    /// <summary>
    /// Control and format characters, line and paragraph separators and unpaired surrogates written as
    /// <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\xHH</c>, <c>\uHHHH</c> or <c>\UHHHHHHHH</c>; everything else (backslashes too) as is,
    /// so escaping twice changes nothing.
    /// </summary>
    public static string Escape(string text)
    {
        int first = FirstUnsafe(text);
        if (first < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 16).Append(text, 0, first);
        ReadOnlySpan<char> rest = text.AsSpan(first);
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out Rune rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                // An unpaired surrogate: Rune gives U+FFFD, show the code unit itself.
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)rest[0]:x4}");
            }
            else if (!IsUnsafe(rune))
            {
                sb.Append(rest[..used]);
            }
            else
            {
                _ = rune.Value switch
                {
                    '\n' => sb.Append("\\n"),
                    '\r' => sb.Append("\\r"),
                    '\t' => sb.Append("\\t"),
                    <= 0xFF => sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}"),
                    <= 0xFFFF => sb.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}"),
                    _ => sb.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}"),
                };
            }
            rest = rest[used..];
        }
        return sb.ToString();
    }

    private static int FirstUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is >= ' ' and < '\x7f')
            {
                continue;
            }
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int used) != System.Buffers.OperationStatus.Done || IsUnsafe(rune))
            {
                return i;
            }
            i += used - 1;
        }
        return -1;
    }

    private static bool IsUnsafe(Rune rune) => Rune.GetUnicodeCategory(rune)
        is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
        or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
}
