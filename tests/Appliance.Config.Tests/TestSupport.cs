using Appliance.Config;

[assembly: Parallelize(Scope = ExecutionScope.MethodLevel)]

namespace Appliance.Config.Tests;

internal static class TestSupport
{
    public const string FileName = "appliance.yml";

    /// <summary>A valid configuration that sets only the required keys.</summary>
    public const string Minimal = """
        service:
          vip: 10.0.0.100
        servers:
          - { name: master, address: 10.0.0.1, port: 1 }
          - { name: slave, address: 10.0.0.2, port: 2 }
        """;

    public static ApplianceConfig Parse(string yaml) => ConfigLoader.Parse(yaml, FileName);

    /// <summary>All errors of an invalid text (fails when the text is valid).</summary>
    public static IReadOnlyList<ConfigError> Errors(string yaml)
    {
        bool ok = ConfigLoader.TryParse(yaml, FileName, out ApplianceConfig? config, out IReadOnlyList<ConfigError> errors);
        Assert.IsFalse(ok, "expected the configuration to be rejected");
        Assert.IsNull(config);
        Assert.IsNotEmpty(errors);
        return errors;
    }

    /// <summary>The one error of an invalid text (fails when there are zero or several).</summary>
    public static ConfigError Single(string yaml)
    {
        IReadOnlyList<ConfigError> errors = Errors(yaml);
        Assert.HasCount(1, errors, string.Join("\n", errors));
        return errors[0];
    }

    /// <summary>Asserts position, key and message of one error.</summary>
    public static void AssertError(ConfigError e, int line, int column, string key, string message)
    {
        Assert.AreEqual(FileName, e.File, e.ToString());
        Assert.AreEqual(key, e.Key, e.ToString());
        Assert.AreEqual(message, e.Message, e.ToString());
        Assert.AreEqual(line, e.Line, $"line of: {e}");
        Assert.AreEqual(column, e.Column, $"column of: {e}");
    }

    /// <summary>Asserts the single error of <paramref name="yaml"/>.</summary>
    public static void AssertSingle(string yaml, int line, int column, string key, string message) =>
        AssertError(Single(yaml), line, column, key, message);

    /// <summary>Minimal config with extra lines appended (they start at line 6).</summary>
    public static string WithMinimal(string extra) => Minimal + "\n" + extra;

    public static string ExamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "examples", name);
}
