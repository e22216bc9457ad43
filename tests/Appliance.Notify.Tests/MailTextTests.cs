using Appliance.Config;
using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

[TestClass]
public sealed class MailTextTests
{
    private static readonly EmailConfig Email = new("127.0.0.1", 25, MailSecurity.None, null, null, "box@example.com", ["it@example.com", "boss@example.com"]);

    [TestMethod]
    public void TheSubjectNamesTheBoxTheEventAndTheServers()
    {
        Assert.AreEqual("[box1] critical: failover from master to slave: master's link is down", MailText.Subject(Delivery.Of(Failover(T0))));
        var body = MailText.Body(Delivery.Of(Failover(T0)), "http://10.0.0.6/");
        Assert.AreEqual("""
            failover from master to slave: master's link is down

            event: failover
            severity: critical
            time: 2026-12-02T07:40:09.123Z
            box: box1
            server: master
            seq: 42

            status page: http://10.0.0.6/

            """.ReplaceLineEndings("\n"), body);
    }

    [TestMethod]
    public void ANewlineInAMessageCannotStartAHeader()
    {
        var odd = Failover(T0) with { Message = "x\r\nBcc: evil@example.com" };
        Assert.AreEqual("[box1] critical: x  Bcc: evil@example.com", MailText.Subject(Delivery.Of(odd)));
        Assert.IsLessThanOrEqualTo(MailText.MaxSubject, MailText.Subject(Delivery.Of(odd with { Message = new string('a', 500) })).Length);
    }

    [TestMethod]
    public void ADigestListsWhatWasHeldBack()
    {
        var digest = Delivery.Digest([Event(5, T0, "link_down"), Event(6, T0, "failover")], T0 + TimeSpan.FromSeconds(20));
        Assert.AreEqual("[box1] 2 more events (rate limit digest)", MailText.Subject(digest));
        StringAssert.Contains(MailText.Body(digest, null), "2026-12-02T07:40:09.123Z warning link_down: event 5\n2026-12-02T07:40:09.123Z critical failover: event 6\n");
    }

    [TestMethod]
    public void TheMailIsDatedWithTheEventInUtc()
    {
        var message = new EmailChannel(Email, null).Compose(Delivery.Of(Failover(T0)));
        Assert.AreEqual(T0, message.Date);
        Assert.AreEqual("box@example.com", message.From.ToString());
        Assert.AreEqual("it@example.com, boss@example.com", message.To.ToString());
        Assert.AreEqual("failover", message.Headers["X-Appliance-Event"]);
        StringAssert.Contains(message.TextBody, "time: 2026-12-02T07:40:09.123Z");
    }

    [TestMethod]
    public void ADigestOfTenThousandListsAHundredAndCountsTheRest()
    {
        var digest = HeldDigest(10_000);
        Assert.AreEqual("[box1] 10000 more events (rate limit digest)", MailText.Subject(digest));
        var body = MailText.Body(digest, "http://10.0.0.6/");
        StringAssert.StartsWith(body, "10000 events were held back by the rate limit");
        StringAssert.Contains(body, "warning link_down: event 100\n… and 9900 more\n\nstatus page: http://10.0.0.6/\n");
        Assert.DoesNotContain("event 101\n", body);
        Assert.IsLessThan(20_000, body.Length);
    }
}
