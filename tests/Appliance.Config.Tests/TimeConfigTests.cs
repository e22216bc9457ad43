using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary><c>time.ntp</c>: the NTP servers the box's clock follows.</summary>
[TestClass]
public sealed class TimeConfigTests
{
    [TestMethod]
    public void DhcpByDefault()
    {
        Assert.IsTrue(Parse(Minimal).Time.FromDhcp);
        Assert.IsTrue(Parse(WithMinimal("time: { ntp: dhcp }")).Time.FromDhcp);
        Assert.IsTrue(Parse(WithMinimal("time: { ntp: }")).Time.FromDhcp);
        Assert.IsTrue(Parse(WithMinimal("time: { ntp: [] }")).Time.FromDhcp, "no server listed is DHCP's, not none");
    }

    [TestMethod]
    public void AListOfNamesOrAddresses()
    {
        var time = Parse(WithMinimal("time:\n  ntp: [ntp.office.example, 198.18.0.9, \"fd00::123\"]")).Time;
        Assert.IsFalse(time.FromDhcp);
        CollectionAssert.AreEqual(new[] { "ntp.office.example", "198.18.0.9", "fd00::123" }, time.NtpServers.ToArray());
    }

    [TestMethod]
    public void HostileOrMistypedValuesAreRefusedWithTheirPlace()
    {
        AssertSingle(WithMinimal("time: { ntp: pool.ntp.org }"), 6, 14, "time.ntp",
            "expected dhcp or a list of NTP servers, e.g. [ntp.office.example], got \"pool.ntp.org\"");
        AssertSingle(WithMinimal("time: { ntp: [ok, \"a;reboot\"] }"), 6, 19, "time.ntp[1]",
            "a host name is labels of 1 to 63 letters, digits and hyphens (not first or last), separated by dots, got \"a;reboot\"");
        AssertSingle(WithMinimal("time: { ntp: [a, b, c, d, e, f, g, h, i] }"), 6, 14, "time.ntp", "at most 8 servers, got 9");
        AssertSingle(WithMinimal("time: { nntp: [a] }"), 6, 9, "time.nntp", "unknown key \"nntp\"; did you mean \"ntp\"?");
    }

    [TestMethod]
    public void EqualWhenTheSameServersInTheSameOrder()
    {
        Assert.AreEqual(new TimeConfig(["a", "b"]), new TimeConfig(["a", "b"]));
        Assert.AreNotEqual(new TimeConfig(["a", "b"]), new TimeConfig(["b", "a"]));
    }
}
