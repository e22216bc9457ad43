using Appliance.Config;

namespace Appliance.Config.Tests;

/// <summary><c>health.passive*</c>: which refusals of client connections mark a server down.</summary>
[TestClass]
public sealed class PassiveConfigTests
{
    private const string Head = "service: { vip: 10.0.0.100 }\nservers:\n  - { name: m, address: 10.0.0.1, port: 1 }\n  - { name: s, address: 10.0.0.2, port: 2 }\n";

    private static ApplianceConfig Parse(string health) => ConfigLoader.Parse(Head + "health: { " + health + " }\n", "t.yml");

    private static string Refused(string health) => Assert.ThrowsExactly<ConfigException>(() => Parse(health)).Message;

    [TestMethod]
    public void OnByDefaultForTheProbedPort()
    {
        var passive = ConfigLoader.Parse(Head, "t.yml").Health.Passive;
        Assert.IsTrue(passive.Enabled);
        CollectionAssert.AreEqual(new ushort[] { 80 }, passive.Ports.ToArray());
        Assert.AreEqual(1, passive.Refusals);
        Assert.AreEqual(TimeSpan.FromSeconds(1), passive.Within);
        Assert.IsTrue(passive.Watching);
        CollectionAssert.AreEqual(new ushort[] { 8080 }, Parse("probe: tcp, port: 8080").Health.Passive.Ports.ToArray());
    }

    [TestMethod]
    public void ArpAndIcmpProbesWatchNoPortUnlessTold()
    {
        var icmp = ConfigLoader.Parse(Head + "health: { probe: icmp }\n", "t.yml");
        Assert.IsFalse(icmp.Health.Passive.Watching);
        Assert.IsEmpty(icmp.Warnings);

        var told = ConfigLoader.Parse(Head + "health: { probe: arp, passive_ports: [53] }\n", "t.yml");
        CollectionAssert.AreEqual(new ushort[] { 53 }, told.Health.Passive.Ports.ToArray());
        StringAssert.Contains(told.Warnings.Single().ToString(), "health.passive_ports: with probe: arp a server whose service is dead still passes its probes");
    }

    [TestMethod]
    public void TheLinkProbeTurnsItOff()
    {
        var config = ConfigLoader.Parse(Head + "health: { probe: link, passive_ports: [80] }\n", "t.yml");
        Assert.IsFalse(config.Health.Passive.Enabled);
        Assert.IsFalse(config.Health.Passive.Watching);
        StringAssert.Contains(config.Warnings.Single().ToString(), "passive health is off with probe: link");
        Assert.IsFalse(ConfigLoader.Parse(Head + "health: { probe: link }\n", "t.yml").Health.Passive.Enabled);
    }

    [TestMethod]
    public void EveryKey()
    {
        var passive = Parse("passive: on, passive_ports: [80, 443, 7], passive_refusals: 3, passive_within: 250ms").Health.Passive;
        CollectionAssert.AreEqual(new ushort[] { 80, 443, 7 }, passive.Ports.ToArray());
        Assert.AreEqual(3, passive.Refusals);
        Assert.AreEqual(TimeSpan.FromMilliseconds(250), passive.Within);
        Assert.IsFalse(Parse("passive: off").Health.Passive.Enabled);
        Assert.IsFalse(Parse("passive: OFF").Health.Passive.Watching);
        Assert.IsFalse(Parse("passive_ports: []").Health.Passive.Watching, "an empty list watches nothing");
        Assert.IsFalse(Parse("passive_ports: ").Health.Passive.Watching);
    }

    [TestMethod]
    public void BadValuesAreRefusedWithTheirPlace()
    {
        StringAssert.Contains(Refused("passive: yes"), "health.passive: expected one of on, off, got \"yes\"");
        StringAssert.Contains(Refused("passive_ports: [80, 0]"), "health.passive_ports[1]: expected a port from 1 to 65535, got \"0\"");
        StringAssert.Contains(Refused("passive_ports: [65536]"), "health.passive_ports[0]: expected a port from 1 to 65535, got \"65536\"");
        StringAssert.Contains(Refused("passive_ports: [http]"), "health.passive_ports[0]: expected a port from 1 to 65535");
        StringAssert.Contains(Refused("passive_ports: [-1]"), "health.passive_ports[0]:");
        StringAssert.Contains(Refused("passive_ports: [80, 80]"), "health.passive_ports[1]: port 80 is listed twice");
        StringAssert.Contains(Refused("passive_ports: 80"), "health.passive_ports: expected a list of ports, e.g. [80, 443], got");
        StringAssert.Contains(Refused("passive_ports: [" + string.Join(", ", Enumerable.Range(1, 17)) + "]"), "health.passive_ports: at most 16 ports, got 17");
        StringAssert.Contains(Refused("passive_refusals: 0"), "health.passive_refusals:");
        StringAssert.Contains(Refused("passive_refusals: 1001"), "health.passive_refusals:");
        StringAssert.Contains(Refused("passive_within: 601s"), "health.passive_within: must be at most 600s, got 601s");
        StringAssert.Contains(Refused("passive_within: soon"), "health.passive_within:");
    }

    [TestMethod]
    public void EqualConfigsAreEqual()
    {
        Assert.AreEqual(Parse("passive_ports: [80, 7]").Health, Parse("passive_ports: [80, 7]").Health);
        Assert.AreNotEqual(Parse("passive_ports: [80, 7]").Health, Parse("passive_ports: [7, 80]").Health);
    }
}
