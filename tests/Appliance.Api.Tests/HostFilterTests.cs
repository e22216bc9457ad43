using System.Net;
using Appliance.Api;

namespace Appliance.Api.Tests;

/// <summary>The Host header filter against DNS rebinding (issue 12, item 11), as a pure function.</summary>
[TestClass]
public sealed class HostFilterTests
{
    private static readonly HostFilter Filter = new(
        [IPAddress.Parse("10.0.0.6"), IPAddress.Parse("fd00::6")],
        ["appliance.office.example", "Box.", "192.168.1.250", "2001:db8::1"]);

    [TestMethod]
    [DataRow("10.0.0.6")]
    [DataRow("10.0.0.6:80")]
    [DataRow("10.0.0.6:8080")]
    [DataRow("[fd00::6]")]
    [DataRow("[fd00::6]:80")]
    [DataRow("[FD00:0:0::6]:80")]
    [DataRow("[fd00::6%25eth0]")]
    [DataRow("[::ffff:10.0.0.6]")]
    [DataRow("appliance.office.example")]
    [DataRow("APPLIANCE.Office.Example:80")]
    [DataRow("appliance.office.example.")]
    [DataRow("box")]
    [DataRow("BOX.:8080")]
    [DataRow("192.168.1.250")]
    [DataRow("[2001:db8::1]:80")]
    [DataRow(null)]
    [DataRow("")]
    public void TheBoxsAddressesAndConfiguredNamesAreAnswered(string? host) =>
        Assert.IsTrue(Filter.Accepts(host), host);

    [TestMethod]
    [DataRow("rebound.example")]
    [DataRow("rebound.example:80")]
    [DataRow("appliance.office.example.evil")]
    [DataRow("evil.appliance.office.example")]
    [DataRow("office.example")]
    [DataRow("10.0.0.7")]
    [DataRow("10.0.0.06")]
    [DataRow("010.0.0.6")]
    [DataRow("10.6")]
    [DataRow("0x0a000006")]
    [DataRow("167772166")]
    [DataRow("[fd00::7]")]
    [DataRow("[10.0.0.6]")]
    [DataRow("[fd00::6")]
    [DataRow("[fd00::6]x")]
    [DataRow("10.0.0.6:")]
    [DataRow("10.0.0.6:65536")]
    [DataRow("10.0.0.6:80:80")]
    [DataRow("10.0.0.6:http")]
    [DataRow(":80")]
    [DataRow("localhost")]
    [DataRow("127.0.0.1")]
    public void AnythingElseIsRefused(string host) =>
        Assert.IsFalse(Filter.Accepts(host), host);

    [TestMethod]
    public void TheRefusalSaysWhatIsAnsweredAndWhy()
    {
        var filter = new HostFilter([IPAddress.Parse("10.0.0.6"), IPAddress.Parse("10.0.0.6")], ["appliance.example"]);
        Assert.AreEqual(
            "this appliance answers only to 10.0.0.6, appliance.example: another name may be a web page's that points it at the box "
            + "(DNS rebinding). To reach the box by a name of yours, add it to api.hostnames",
            filter.Refusal);
    }
}
