using System.Text;
using Appliance.Config;
using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

[TestClass]
public sealed class SyslogFormatTests
{
    private const string Bom = "\uFEFF";

    [TestMethod]
    public void AFailoverIsACriticalDaemonMessageWithStructuredData()
    {
        var bytes = SyslogFormat.Format(Delivery.Of(Failover(T0)), "box1", 4242);
        Assert.AreEqual(
            "<26>1 2026-12-02T07:40:09.123Z box1 appliance 4242 failover [appliance@32473 event=\"failover\" severity=\"critical\" server=\"master\" seq=\"42\"] "
            + Bom + "failover from master to slave: master's link is down",
            Encoding.UTF8.GetString(bytes));
    }

    [TestMethod]
    public void SeveritiesMapToSyslogLevels()
    {
        Assert.AreEqual(2, SyslogFormat.SeverityCode(NotifySeverity.Critical));
        Assert.AreEqual(4, SyslogFormat.SeverityCode(NotifySeverity.Warning));
        Assert.AreEqual(6, SyslogFormat.SeverityCode(NotifySeverity.Info));
        var info = new Notification("link_up", NotifySeverity.Info, T0, "box1", null, "up", 0);
        StringAssert.StartsWith(Encoding.UTF8.GetString(SyslogFormat.Format(Delivery.Of(info), "box1", 1)), "<30>1 ");
    }

    [TestMethod]
    public void ParamValuesEscapeQuoteBackslashAndBracket()
    {
        var odd = new Notification("failover", NotifySeverity.Critical, T0, "box1", "a\"b\\c]d", "m\nn", 0);
        var text = Encoding.UTF8.GetString(SyslogFormat.Format(Delivery.Of(odd), "my box\u00e9", 7));
        StringAssert.Contains(text, "server=\"a\\\"b\\\\c\\]d\"");
        StringAssert.Contains(text, " mybox appliance 7 ", "the host name is printable ASCII without spaces");
        StringAssert.EndsWith(text, Bom + "m n", "one line");
    }

    [TestMethod]
    public void ADigestIsOneMessageCountingTheEvents()
    {
        var digest = Delivery.Digest([Event(5, T0, "link_down"), Event(6, T0, "failover")], T0 + TimeSpan.FromSeconds(20));
        var text = Encoding.UTF8.GetString(SyslogFormat.Format(digest, "box1", 1));
        StringAssert.StartsWith(text, "<26>1 2026-12-02T07:40:29.123Z box1 appliance 1 digest [appliance@32473 event=\"digest\" severity=\"critical\" count=\"2\"] " + Bom + "2 events held back");
        StringAssert.Contains(text, "link_down: event 5; 2026-12-02T07:40:09.123Z failover: event 6");
    }

    [TestMethod]
    public void TcpFramesCountOctets()
    {
        var message = Encoding.UTF8.GetBytes("<14>1 - - - - - - h\u00e9");
        CollectionAssert.AreEqual(Encoding.ASCII.GetBytes($"{message.Length} ").Concat(message).ToArray(), SyslogFormat.OctetCounted(message));
        Assert.AreEqual("21 ", Encoding.ASCII.GetString(SyslogFormat.OctetCounted(message), 0, 3));
    }

    [TestMethod]
    public void ADigestOfTenThousandCountsThemAllAndSaysHowManyAreNotListed()
    {
        var digest = HeldDigest(10_000);
        var text = Encoding.UTF8.GetString(SyslogFormat.Format(digest, "box1", 1));
        StringAssert.Contains(text, "severity=\"critical\" count=\"10000\"] " + Bom + "10000 events held back by the rate limit: ");
        var more = System.Text.RegularExpressions.Regex.Match(text, "event (\\d+); … and (\\d+) more$");
        Assert.IsTrue(more.Success, text);
        Assert.AreEqual(10_000, int.Parse(more.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + int.Parse(more.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
            "the listed and the unlisted add up");
        Assert.IsLessThan(2048, text.Length);
    }
}
