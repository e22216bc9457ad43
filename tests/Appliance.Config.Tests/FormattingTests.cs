using System.Net;
using Appliance.Config;

namespace Appliance.Config.Tests;

[TestClass]
public sealed class FormattingTests
{
    [TestMethod]
    [DataRow("02:00:0a:00:00:64", 0x0200_0a00_0064UL, "02:00:0a:00:00:64")]
    [DataRow("02-00-0A-00-00-64", 0x0200_0a00_0064UL, "02:00:0a:00:00:64")]
    [DataRow("FF:ff:Ff:fF:ff:ff", 0xffff_ffff_ffffUL, "ff:ff:ff:ff:ff:ff")]
    [DataRow("00:00:00:00:00:00", 0UL, "00:00:00:00:00:00")]
    public void MacParsesAndPrintsLowerCaseColons(string text, ulong value, string printed)
    {
        MacAddress mac = MacAddress.Parse(text);
        Assert.AreEqual(value, mac.Value);
        Assert.AreEqual(printed, mac.ToString());
        Assert.AreEqual(mac, MacAddress.Parse(mac.ToString()));
    }

    [TestMethod]
    [DataRow("02:00:0a:00:00")]
    [DataRow("02:00:0a:00:00:64:01")]
    [DataRow("02:00:0a-00:00:64")]
    [DataRow("02.00.0a.00.00.64")]
    [DataRow("0200.0a00.0064")]
    [DataRow("020:0a:00:00:64:1")]
    [DataRow("02:00:0a:00:00:6g")]
    [DataRow(" 2:00:0a:00:00:64")]
    [DataRow("+2:00:0a:00:00:64")]
    [DataRow("")]
    public void MacRejectsOtherForms(string text)
    {
        Assert.IsFalse(MacAddress.TryParse(text, out MacAddress mac), text);
        Assert.AreEqual(default, mac);
        Assert.ThrowsExactly<FormatException>(() => MacAddress.Parse(text));
    }

    [TestMethod]
    public void MacBitsAndBytes()
    {
        var mac = MacAddress.Read([0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]);
        Assert.AreEqual("01:00:5e:00:00:fb", mac.ToString());
        Assert.IsTrue(mac.IsGroup);
        Assert.IsFalse(mac.IsUnicast);
        Assert.IsFalse(mac.IsLocallyAdministered);
        CollectionAssert.AreEqual(new byte[] { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }, mac.ToBytes());
        Assert.IsTrue(MacAddress.Parse("ff:ff:ff:ff:ff:ff").IsBroadcast);
        Assert.IsTrue(new MacAddress(0).IsZero);
        Assert.IsFalse(MacAddress.TryParse(null, out _));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MacAddress(0x1_0000_0000_0000UL));
        Assert.ThrowsExactly<ArgumentException>(() => MacAddress.Read([1, 2, 3]));
    }

    [TestMethod]
    [DataRow("tcp:127.0.0.1:6653", true)]
    [DataRow("tcp:10.0.0.6:1", false)]
    [DataRow("tcp:0.0.0.0:65535", false)]
    [DataRow("tcp:[::1]:6653", true)]
    [DataRow("tcp:[2001:db8::6]:6653", false)]
    [DataRow("unix:/run/appliance/openflow.sock", true)]
    [DataRow("unix:/x", true)]
    public void OpenFlowEndpointsRoundTrip(string text, bool loopback)
    {
        OpenFlowEndpoint ep = OpenFlowEndpoint.Parse(text);
        Assert.AreEqual(text, ep.ToString());
        Assert.AreEqual(loopback, ep.IsLoopback);
        Assert.AreEqual(ep, OpenFlowEndpoint.Parse(ep.ToString()));
    }

    [TestMethod]
    public void OpenFlowEndpointTypes()
    {
        Assert.AreEqual(new TcpEndpoint(IPAddress.Parse("127.0.0.1"), 6653), OpenFlowEndpoint.Parse("tcp:127.0.0.1:6653"));
        Assert.AreEqual(new UnixEndpoint("/a/b"), OpenFlowEndpoint.Parse("unix:/a/b"));
        Assert.AreEqual("tcp:127.0.0.1:6653", new TcpEndpoint(IPAddress.Loopback, 6653).ToString());
        Assert.AreEqual("unix:/a/b", new UnixEndpoint("/a/b").ToString());
        Assert.IsFalse(OpenFlowEndpoint.TryParse("tcp:127.0.0.1", out OpenFlowEndpoint? none));
        Assert.IsNull(none);
        FormatException ex = Assert.ThrowsExactly<FormatException>(() => OpenFlowEndpoint.Parse("udp:127.0.0.1:6653"));
        Assert.AreEqual("expected tcp:IP:PORT (e.g. tcp:127.0.0.1:6653) or unix:/absolute/path", ex.Message);
    }

    [TestMethod]
    [DataRow("10.0.0.6:80")]
    [DataRow("0.0.0.0:8080")]
    [DataRow("[::]:443")]
    [DataRow("[fe80::1]:65535")]
    public void ApiEndpointsRoundTrip(string text)
    {
        Assert.IsTrue(Endpoints.TryParseIPEndPoint(text, out IPEndPoint? ep, out string? error), error);
        Assert.AreEqual(text, ep.ToString());
    }

    [TestMethod]
    [DataRow("20ms", 20 * TimeSpan.TicksPerMillisecond, "20ms")]
    [DataRow("500ms", 500 * TimeSpan.TicksPerMillisecond, "500ms")]
    [DataRow("1.5s", 1500 * TimeSpan.TicksPerMillisecond, "1.5s")]
    [DataRow("2s", 2 * TimeSpan.TicksPerSecond, "2s")]
    [DataRow("1000ms", TimeSpan.TicksPerSecond, "1s")]
    [DataRow("1500ms", 1500 * TimeSpan.TicksPerMillisecond, "1.5s")]
    [DataRow("0.5s", 500 * TimeSpan.TicksPerMillisecond, "500ms")]
    [DataRow("0.5ms", 5000L, "0.5ms")]
    [DataRow("0.0001ms", 1L, "0.0001ms")]
    [DataRow("1.0000001s", TimeSpan.TicksPerSecond + 1, "1.0000001s")]
    [DataRow("020ms", 20 * TimeSpan.TicksPerMillisecond, "20ms")]
    [DataRow("86400s", 86400 * TimeSpan.TicksPerSecond, "86400s")]
    public void DurationsParseAndFormat(string text, long ticks, string formatted)
    {
        TimeSpan value = ConfigDuration.Parse(text);
        Assert.AreEqual(ticks, value.Ticks);
        Assert.AreEqual(formatted, ConfigDuration.Format(value));
        Assert.AreEqual(value, ConfigDuration.Parse(ConfigDuration.Format(value)));
    }

    [TestMethod]
    public void DurationFormatRoundTripsArbitraryTicks()
    {
        var rng = new Random(12345);
        for (int i = 0; i < 2000; i++)
        {
            var value = TimeSpan.FromTicks(rng.NextInt64(1, TimeSpan.TicksPerDay * 30));
            Assert.AreEqual(value, ConfigDuration.Parse(ConfigDuration.Format(value)), value.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("ms")]
    [DataRow("s")]
    [DataRow("20")]
    [DataRow("20 ms")]
    [DataRow("20MS")]
    [DataRow("1m")]
    [DataRow("1h")]
    [DataRow("0s")]
    [DataRow("-1s")]
    [DataRow("+1s")]
    [DataRow("1e3ms")]
    [DataRow("1,5s")]
    [DataRow("99999999999999999999999999s")]
    public void DurationsRejectOtherForms(string text)
    {
        Assert.IsFalse(ConfigDuration.TryParse(text, out TimeSpan value), text);
        Assert.AreEqual(TimeSpan.Zero, value);
        Assert.ThrowsExactly<FormatException>(() => ConfigDuration.Parse(text));
    }

    [TestMethod]
    public void DurationFormatRejectsNonPositive()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ConfigDuration.Format(TimeSpan.Zero));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ConfigDuration.Format(TimeSpan.FromSeconds(-1)));
    }

    [TestMethod]
    public void ConfigErrorFormatting()
    {
        Assert.AreEqual(
            "appliance.yml:12:7: servers[1].port: expected an integer from 1 to 4294967040, got \"x\"",
            new ConfigError("appliance.yml", 12, 7, "servers[1].port", "expected an integer from 1 to 4294967040, got \"x\"").ToString());
        Assert.AreEqual("/etc/appliance/appliance.yml: cannot read the configuration file: no such file",
            new ConfigError("/etc/appliance/appliance.yml", 0, 0, "", "cannot read the configuration file: no such file").ToString());
        Assert.AreEqual("a.yml:3:1: YAML syntax error: x", new ConfigError("a.yml", 3, 1, "", "YAML syntax error: x").ToString());
        Assert.ThrowsExactly<ArgumentException>(() => new ConfigException([]));
    }

    [TestMethod]
    public void DefaultVmacRequiresIpv4()
    {
        Assert.AreEqual("02:00:0a:00:00:64", ServiceConfig.DefaultVmacFor(IPAddress.Parse("10.0.0.100")).ToString());
        Assert.AreEqual("02:00:ff:ff:ff:fe", ServiceConfig.DefaultVmacFor(IPAddress.Parse("255.255.255.254")).ToString());
        Assert.ThrowsExactly<ArgumentException>(() => ServiceConfig.DefaultVmacFor(IPAddress.IPv6Loopback));
    }
}
