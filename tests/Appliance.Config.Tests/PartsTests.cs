using System.Net;
using Appliance.Config;

namespace Appliance.Config.Tests;

/// <summary>
/// What of a refused file is still usable (<c>appliance fault</c>: the panel, and the status page on
/// the management address): the sections no error is about, whole, and nothing from a file that
/// could not be read or parsed.
/// </summary>
[TestClass]
public sealed class PartsTests
{
    private static ConfigParts PartsOf(string yaml, out IReadOnlyList<ConfigError> errors)
    {
        string path = Path.Combine(Path.GetTempPath(), $"appliance-parts-{Guid.NewGuid():N}.yml");
        File.WriteAllText(path, yaml);
        try
        {
            Assert.IsFalse(ConfigLoader.TryLoad(path, out ApplianceConfig? config, out errors, out ConfigParts parts), "expected a refusal");
            Assert.IsNull(config);
            return parts;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ARefusalElsewhereLeavesTheBridgePanelAndApiUsable()
    {
        ConfigParts parts = PartsOf("""
            bridge: { management: 10.0.0.6/24 }
            service: { vip: 10.0.0.6 }
            servers:
              - { name: master, address: 10.0.0.1, port: 1 }
              - { name: slave, address: 10.0.0.2, port: 2 }
            panel: { driver: simulated, leds: { fault: 5 } }
            api: { listen: "10.0.0.6:8080" }
            """, out IReadOnlyList<ConfigError> errors);
        Assert.AreEqual("service.vip", errors.Single().Key);
        Assert.AreEqual(new BridgeConfig("br0", DatapathType.System, IPAddress.Parse("10.0.0.6"), 24), parts.Bridge);
        Assert.AreEqual(new PanelConfig(PanelDriver.Simulated, 0, 17, 27, 5, 23, true), parts.Panel);
        Assert.AreEqual(new ApiConfig(new IPEndPoint(IPAddress.Parse("10.0.0.6"), 8080), "/etc/appliance/api.token"), parts.Api);
    }

    [TestMethod]
    public void ASectionWithAnErrorIsNotUsedEvenWhereItsValuesRead()
    {
        ConfigParts parts = PartsOf(TestSupport.WithMinimal("""
            panel: { driver: simulated, leds: { master: 5, slave: 5 } }
            api: { token_file: "" }
            """), out IReadOnlyList<ConfigError> errors);
        CollectionAssert.AreEquivalent(new[] { "panel.leds.slave", "api.token_file" }, errors.Select(e => e.Key).ToArray());
        Assert.IsNull(parts.Panel, "pins clash: no panel from this file");
        Assert.IsNull(parts.Api);
        Assert.IsNotNull(parts.Bridge);
    }

    [TestMethod]
    public void AnUnknownKeyCountsAgainstItsSection()
    {
        ConfigParts parts = PartsOf(TestSupport.WithMinimal("panel: { drivr: simulated }"), out _);
        Assert.IsNull(parts.Panel);
        Assert.IsNotNull(parts.Api, "the API's address derives from the default management address");
    }

    [TestMethod]
    public void ABadManagementAddressTakesTheDefaultApiAddressWithIt()
    {
        ConfigParts parts = PartsOf(TestSupport.WithMinimal("bridge: { management: 10.0.0.6 }"), out _);
        Assert.IsNull(parts.Bridge);
        Assert.IsNull(parts.Api, "api.listen would be the management address");
        Assert.IsNotNull(parts.Panel);
    }

    [TestMethod]
    public void NothingIsUsableFromAFileThatDoesNotParseOrCannotBeRead()
    {
        Assert.AreEqual(ConfigParts.None, PartsOf("bridge: [\n", out _));
        Assert.IsFalse(ConfigLoader.TryLoad(Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.yml"), out _, out _, out ConfigParts missing));
        Assert.AreEqual(ConfigParts.None, missing);
    }
}
