using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Appliance.Config;

/// <summary>Reads and validates <c>appliance.yml</c>.</summary>
public static class ConfigLoader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and validates the file at <paramref name="path"/>.</summary>
    /// <exception cref="ConfigException">Every problem found, including an unreadable file.</exception>
    public static ApplianceConfig Load(string path) =>
        TryLoad(path, out ApplianceConfig? config, out IReadOnlyList<ConfigError> errors)
            ? config
            : throw new ConfigException(errors);

    /// <summary>Validates YAML text; <paramref name="sourceName"/> is the file name used in errors and <see cref="ApplianceConfig.SourcePath"/>.</summary>
    /// <exception cref="ConfigException">Every problem found.</exception>
    public static ApplianceConfig Parse(string yamlText, string sourceName) =>
        TryParse(yamlText, sourceName, out ApplianceConfig? config, out IReadOnlyList<ConfigError> errors)
            ? config
            : throw new ConfigException(errors);

    /// <summary>Like <see cref="Load"/>, without the exception: on failure <paramref name="errors"/> is non-empty.</summary>
    public static bool TryLoad(
        string path,
        [NotNullWhen(true)] out ApplianceConfig? config,
        out IReadOnlyList<ConfigError> errors) =>
        TryLoad(path, out config, out errors, out _);

    /// <summary>Like <see cref="TryLoad(string, out ApplianceConfig?, out IReadOnlyList{ConfigError})"/>; <paramref name="parts"/> are the sections still usable when the file is refused.</summary>
    public static bool TryLoad(
        string path,
        [NotNullWhen(true)] out ApplianceConfig? config,
        out IReadOnlyList<ConfigError> errors,
        out ConfigParts parts)
    {
        ArgumentNullException.ThrowIfNull(path);
        config = null;
        parts = ConfigParts.None;
        string? problem = null;
        string text = "";
        if (path.Length == 0)
        {
            problem = "no configuration file given";
        }
        else if (Directory.Exists(path))
        {
            problem = "cannot read the configuration file: it is a directory";
        }
        else
        {
            try
            {
                byte[]? bytes = SmallFile.TryReadAll(path, ConfigLimits.MaxFileBytes);
                if (bytes is null)
                {
                    problem = $"cannot read the configuration file: it is larger than 1 MiB ({ConfigLimits.MaxFileBytes} bytes)";
                }
                else
                {
                    // As File.ReadAllText: a byte order mark is honoured and dropped.
                    using var reader = new StreamReader(new MemoryStream(bytes), StrictUtf8, detectEncodingFromByteOrderMarks: true);
                    text = reader.ReadToEnd();
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                problem = "cannot read the configuration file: no such file";
            }
            catch (UnauthorizedAccessException)
            {
                problem = "cannot read the configuration file: permission denied";
            }
            catch (DecoderFallbackException)
            {
                problem = "cannot read the configuration file: it is not valid UTF-8 text";
            }
            catch (IOException ex)
            {
                problem = "cannot read the configuration file: " + ex.Message;
            }
        }
        if (problem is not null)
        {
            errors = [new ConfigError(path, 0, 0, "", problem)];
            return false;
        }
        return TryParse(text, path, out config, out errors, out parts);
    }

    /// <summary>Like <see cref="Parse"/>, without the exception: on failure <paramref name="errors"/> is non-empty.</summary>
    public static bool TryParse(
        string yamlText,
        string sourceName,
        [NotNullWhen(true)] out ApplianceConfig? config,
        out IReadOnlyList<ConfigError> errors) =>
        TryParse(yamlText, sourceName, out config, out errors, out _);

    private static bool TryParse(
        string yamlText,
        string sourceName,
        [NotNullWhen(true)] out ApplianceConfig? config,
        out IReadOnlyList<ConfigError> errors,
        out ConfigParts parts)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(sourceName);
        var reader = new ConfigReader(sourceName);
        config = reader.Read(yamlText);
        errors = reader.SortedErrors();
        parts = reader.Parts;
        if (errors.Count > 0)
        {
            config = null;
            return false;
        }
        return config is not null;
    }
}
