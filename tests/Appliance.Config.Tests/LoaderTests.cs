using System.Text;
using Appliance.Config;

namespace Appliance.Config.Tests;

[TestClass]
public sealed class LoaderTests
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "appliance-config-tests-" + Guid.NewGuid().ToString("N"));

    private static string TempDir()
    {
        string dir = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [ClassCleanup]
    public static void RemoveTempDirs()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    [TestMethod]
    public void MissingFileIsAnErrorNamingThePath()
    {
        string path = Path.Combine(TempDir(), "nope", "appliance.yml");
        ConfigException ex = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));
        Assert.HasCount(1, ex.Errors);
        Assert.AreEqual(new ConfigError(path, 0, 0, "", "cannot read the configuration file: no such file"), ex.Errors[0]);
        Assert.AreEqual(path + ": cannot read the configuration file: no such file", ex.Message);

        string missing = Path.Combine(TempDir(), "appliance.yml");
        Assert.IsFalse(ConfigLoader.TryLoad(missing, out ApplianceConfig? config, out IReadOnlyList<ConfigError> errors));
        Assert.IsNull(config);
        Assert.AreEqual(missing + ": cannot read the configuration file: no such file", errors.Single().ToString());
    }

    [TestMethod]
    public void DirectoryIsAnError()
    {
        string dir = TempDir();
        ConfigException ex = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(dir));
        Assert.AreEqual(dir + ": cannot read the configuration file: it is a directory", ex.Message);
    }

    [TestMethod]
    public void InvalidUtf8IsAnError()
    {
        string path = Path.Combine(TempDir(), "appliance.yml");
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("failback: "), 0xff, 0xfe, (byte)'\n']);
        ConfigException ex = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));
        Assert.AreEqual(path + ": cannot read the configuration file: it is not valid UTF-8 text", ex.Message);
    }

    [TestMethod]
    public void LoadedErrorsNameTheFileAsGiven()
    {
        string path = Path.Combine(TempDir(), "bad.yml");
        File.WriteAllText(path, TestSupport.Minimal + "\nfailback: later\n", new UTF8Encoding(true));
        ConfigException ex = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Load(path));
        Assert.AreEqual(path + ":6:11: failback: expected one of auto, manual, got \"later\"", ex.Message);
    }

    [TestMethod]
    public void LoadReadsAFileWithAByteOrderMark()
    {
        string path = Path.Combine(TempDir(), "good.yml");
        File.WriteAllText(path, TestSupport.Minimal, new UTF8Encoding(true));
        ApplianceConfig c = ConfigLoader.Load(path);
        Assert.AreEqual(path, c.SourcePath);
        Assert.AreEqual("master", c.Master.Name);
    }

    [TestMethod]
    public void ParseNamesTheSource()
    {
        ConfigException ex = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Parse("failback: x\n", "stdin"));
        StringAssert.StartsWith(ex.Errors[0].ToString(), "stdin:1:1: service: required key missing");
    }
}
