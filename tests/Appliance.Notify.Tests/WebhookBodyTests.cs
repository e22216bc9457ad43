using Appliance.Config;
using static Appliance.Notify.Tests.Support;

namespace Appliance.Notify.Tests;

[TestClass]
public sealed class WebhookBodyTests
{
    [TestMethod]
    public void JsonIsTheDocumentedObject()
    {
        Assert.AreEqual(
            """{"event":"failover","severity":"critical","time":"2026-12-02T07:40:09.123Z","box":"box1","server":"master","message":"failover from master to slave: master\u0027s link is down","seq":42}""",
            WebhookBody.Json(Delivery.Of(Failover(T0))));
    }

    [TestMethod]
    public void ADigestCarriesItsEvents()
    {
        var digest = Delivery.Digest([Event(5, T0, "link_down"), Event(6, T0, "failover", null)], T0 + TimeSpan.FromSeconds(20));
        Assert.AreEqual(
            """{"event":"digest","severity":"critical","time":"2026-12-02T07:40:29.123Z","box":"box1","server":null,"message":"2 events held back by the rate limit","seq":6,"count":2,"events":[""" +
            """{"event":"link_down","severity":"warning","time":"2026-12-02T07:40:09.123Z","box":"box1","server":"master","message":"event 5","seq":5},""" +
            """{"event":"failover","severity":"critical","time":"2026-12-02T07:40:09.123Z","box":"box1","server":null,"message":"event 6","seq":6}]}""",
            WebhookBody.Json(digest));
    }

    [TestMethod]
    public void ChatIsATextObject()
    {
        Assert.AreEqual(
            """{"text":"CRITICAL [box1] failover from master to slave: master\u0027s link is down (failover, 2026-12-02T07:40:09.123Z)"}""",
            WebhookBody.For(WebhookFormat.Chat, Delivery.Of(Failover(T0))));
    }

    [TestMethod]
    public void ADigestOfTenThousandCountsThemAllAndListsAHundred()
    {
        var digest = HeldDigest(10_000);
        using var json = System.Text.Json.JsonDocument.Parse(WebhookBody.Json(digest));
        var root = json.RootElement;
        Assert.AreEqual(10_000, root.GetProperty("count").GetInt32());
        Assert.AreEqual(100, root.GetProperty("events").GetArrayLength());
        Assert.AreEqual("10000 events held back by the rate limit; 100 listed, … and 9900 more", root.GetProperty("message").GetString());
        Assert.AreEqual(10_000L, root.GetProperty("seq").GetInt64(), "the last event held, listed or not");
        Assert.AreEqual("critical", root.GetProperty("severity").GetString());

        using var chat = System.Text.Json.JsonDocument.Parse(WebhookBody.Chat(digest));
        var text = chat.RootElement.GetProperty("text").GetString()!;
        StringAssert.StartsWith(text, "CRITICAL [box1] 10000 events held back by the rate limit:\n");
        StringAssert.EndsWith(text, "link_down: event 100\n… and 9900 more");
    }
}
