using System.Globalization;
using System.Text;

namespace Appliance.Config;

/// <summary>
/// One problem in a configuration file. <see cref="Line"/> and <see cref="Column"/> are 1-based; both are 0
/// when the problem has no position (e.g. the file cannot be read). <see cref="Key"/> is the dotted key path
/// ("servers[1].port"), empty when the problem is not about one key.
/// </summary>
public sealed record ConfigError(string File, int Line, int Column, string Key, string Message)
{
    /// <summary>"appliance.yml:12:7: servers[1].port: expected an integer from 1 to 4294967040, got \"x\"".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(File);
        if (Line > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $":{Line}:{Column}");
        }
        sb.Append(": ");
        if (Key.Length > 0)
        {
            sb.Append(Key).Append(": ");
        }
        sb.Append(Message);
        return sb.ToString();
    }

    /// <summary>How many problems are printed: the first ones are the ones to fix, and a hostile file can make thousands.</summary>
    public const int MaxPrinted = 20;

    /// <summary>The first <see cref="MaxPrinted"/> problems as <see cref="ToString"/> writes them, then "... and N more <paramref name="what"/>".</summary>
    public static IEnumerable<string> Printed(IReadOnlyList<ConfigError> problems, string what)
    {
        ArgumentNullException.ThrowIfNull(problems);
        foreach (ConfigError problem in problems.Take(MaxPrinted))
        {
            yield return problem.ToString();
        }
        if (problems.Count > MaxPrinted)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"... and {problems.Count - MaxPrinted} more {what}");
        }
    }
}

/// <summary>The configuration is invalid; <see cref="Errors"/> holds every problem found, in file order.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception from at least one error.</summary>
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Every problem found, sorted by line then column (position-less ones first).</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>The first errors, one per line, as <see cref="ConfigError.Printed"/> writes them.</summary>
    public override string ToString() => Message;

    private static string Format(IReadOnlyList<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("a ConfigException needs at least one error", nameof(errors));
        }
        return string.Join('\n', ConfigError.Printed(errors, "errors"));
    }
}
