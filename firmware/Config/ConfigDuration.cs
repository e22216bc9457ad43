using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Appliance.Config;

/// <summary>
/// Durations as written in the configuration: a positive decimal number followed by <c>ms</c> or <c>s</c>
/// ("20ms", "1.5s", "2s", "0.5ms"). Resolution is one <see cref="TimeSpan"/> tick (100 ns).
/// </summary>
public static class ConfigDuration
{
    /// <summary>Parses e.g. "20ms" or "1.5s"; the result is always &gt; 0.</summary>
    /// <exception cref="FormatException">Not a valid duration; the message says why.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out TimeSpan value, out string? error) ? value : throw new FormatException(error);
    }

    /// <summary>Parses e.g. "20ms" or "1.5s"; the result is always &gt; 0.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <summary>Parses e.g. "20ms" or "1.5s"; on failure <paramref name="error"/> says why.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value, [NotNullWhen(false)] out string? error)
    {
        value = default;
        const string Expected = "expected a duration such as 20ms or 1.5s (units: ms, s)";
        if (string.IsNullOrEmpty(text))
        {
            error = Expected;
            return false;
        }
        string number;
        long ticksPerUnit;
        if (text.EndsWith("ms", StringComparison.Ordinal))
        {
            number = text[..^2];
            ticksPerUnit = TimeSpan.TicksPerMillisecond;
        }
        else if (text.EndsWith('s'))
        {
            number = text[..^1];
            ticksPerUnit = TimeSpan.TicksPerSecond;
        }
        else if (IsDecimal(text))
        {
            error = $"{Expected}; a unit is required, e.g. {text}ms";
            return false;
        }
        else
        {
            error = Expected;
            return false;
        }
        if (!IsDecimal(number)
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount))
        {
            error = Expected;
            return false;
        }
        if (amount <= 0)
        {
            error = "a duration must be greater than zero";
            return false;
        }
        decimal ticks;
        try
        {
            ticks = amount * ticksPerUnit;
        }
        catch (OverflowException)
        {
            error = "the duration is too long";
            return false;
        }
        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            error = "the duration is too long";
            return false;
        }
        if (ticks != decimal.Truncate(ticks))
        {
            error = "a duration's resolution is 0.1 microseconds (0.0001ms)";
            return false;
        }
        value = TimeSpan.FromTicks((long)ticks);
        error = null;
        return true;
    }

    /// <summary>
    /// Formats so that <see cref="Parse"/> gives the same value back: whole or fractional seconds from 1 s up
    /// ("2s", "1.5s"), milliseconds below ("20ms", "0.5ms").
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not greater than zero.</exception>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "durations are greater than zero");
        }
        return value.Ticks >= TimeSpan.TicksPerSecond
            ? Trim((decimal)value.Ticks / TimeSpan.TicksPerSecond) + "s"
            : Trim((decimal)value.Ticks / TimeSpan.TicksPerMillisecond) + "ms";
    }

    private static string Trim(decimal d)
    {
        string s = d.ToString("0.#######", CultureInfo.InvariantCulture);
        return s;
    }

    private static bool IsDecimal(string s)
    {
        int dots = 0;
        int digits = 0;
        foreach (char c in s)
        {
            if (c == '.')
            {
                dots++;
            }
            else if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else
            {
                return false;
            }
        }
        return digits > 0 && dots <= 1 && s[0] != '.' && s[^1] != '.';
    }
}
