using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Appliance.Policy;
using Appliance.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using static Appliance.Api.Tests.JournalTesting;

namespace Appliance.Api.Tests;

/// <summary><c>GET /api/events</c>: paging through the history by number, newest last, and its refusals.</summary>
[TestClass]
public sealed class EventsApiTests
{
    private static EventLog LogOf(int count)
    {
        var log = new EventLog();
        for (var i = 1; i <= count; i++) log.Add(Event(i));
        return log;
    }

    private static long[] Seqs(EventPage page) => [.. page.Events.Select(e => e.Seq)];

    [TestMethod]
    public void WithoutAfterThePageIsTheNewestEvents()
    {
        var page = LogOf(10).Page(after: null, limit: 3);

        CollectionAssert.AreEqual(new long[] { 8, 9, 10 }, Seqs(page), "newest last");
        Assert.AreEqual(10, page.Next);
    }

    [TestMethod]
    public void FollowingNextWalksTheWholeHistoryOnce()
    {
        var log = LogOf(10);
        List<long> seen = [];
        long after = 0;
        for (var pages = 0; pages < 10; pages++)
        {
            var page = log.Page(after, limit: 4);
            if (page.Events.Count == 0) break;
            seen.AddRange(Seqs(page));
            after = page.Next;
        }

        CollectionAssert.AreEqual(Enumerable.Range(1, 10).Select(i => (long)i).ToList(), seen);
        Assert.AreEqual(10, after);
        log.Add(Event(11));
        CollectionAssert.AreEqual(new long[] { 11 }, Seqs(log.Page(after, limit: 4)), "only what is new");
    }

    [TestMethod]
    public void NextTellsWhenNothingIsNewAndWhenTheHistoryStartedAnew()
    {
        var log = LogOf(5);

        Assert.AreEqual(5, log.Page(after: 5, limit: 10).Next, "nothing new: the same number again");
        var lost = log.Page(after: 900, limit: 10);
        Assert.IsEmpty(lost.Events);
        Assert.AreEqual(5, lost.Next, "below the number asked for: start over from 0");
        Assert.AreEqual(0, new EventLog().Page(after: null, limit: 10).Next);
    }

    [TestMethod]
    public void TheLogKeepsItsCapacityAndTheStatusOnlyTheRecentEvents()
    {
        var log = LogOf(EventLog.Capacity + 50);

        Assert.HasCount(EventLog.Recent, log.Snapshot());
        Assert.AreEqual(EventLog.Capacity + 50, log.Snapshot()[^1].Seq);
        var all = log.Page(after: 0, limit: EventsQuery.MaxLimit);
        Assert.HasCount(EventLog.Capacity, all.Events);
        Assert.AreEqual(51, all.Events[0].Seq, "the oldest are gone; a reader sees the gap in the numbers");
    }

    [TestMethod]
    public void TheQueryIsReadStrictly()
    {
        Assert.AreEqual((null, EventsQuery.DefaultLimit, null), EventsQuery.Read(StringValues.Empty, StringValues.Empty));
        Assert.AreEqual(((long?)42, 7, (string?)null), EventsQuery.Read("42", "7"));
        Assert.AreEqual(((long?)0, EventsQuery.MaxLimit, (string?)null), EventsQuery.Read("0", "1000"));
        foreach (var after in new[] { "-1", "+1", " 1", "1.5", "1e3", "abc", "", "99999999999999999999", "٣" })
        {
            Assert.IsNotNull(EventsQuery.Read(after, StringValues.Empty).Error, $"after={after}");
        }
        foreach (var limit in new[] { "0", "1001", "-5", "ten", "" })
        {
            Assert.IsNotNull(EventsQuery.Read(StringValues.Empty, limit).Error, $"limit={limit}");
        }
        Assert.IsNotNull(EventsQuery.Read(new StringValues(["1", "2"]), StringValues.Empty).Error, "after twice");
        Assert.IsNotNull(EventsQuery.Read(StringValues.Empty, new StringValues(["1", "2"])).Error, "limit twice");
    }

    [TestMethod]
    public async Task TheApiPagesThroughTheHistoryWithoutAToken()
    {
        var control = new StandInControl(events: LogOf(250));
        var port = FreePort();
        await using var api = ApiServer.Create(new IPEndPoint(IPAddress.Loopback, port), control, ApiToken.Unusable("not needed for GETs"),
            new HostFilter([IPAddress.Loopback], []), NullLoggerFactory.Instance);
        await api.StartAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        using var newest = JsonDocument.Parse(await http.GetStringAsync("api/events"));
        var events = newest.RootElement.GetProperty("events");
        Assert.AreEqual(EventsQuery.DefaultLimit, events.GetArrayLength());
        Assert.AreEqual(250, events[events.GetArrayLength() - 1].GetProperty("seq").GetInt64(), "newest last");
        Assert.AreEqual(250, newest.RootElement.GetProperty("next").GetInt64());

        using var page = JsonDocument.Parse(await http.GetStringAsync("api/events?after=10&limit=2"));
        var first = page.RootElement.GetProperty("events")[0];
        Assert.AreEqual(11, first.GetProperty("seq").GetInt64());
        Assert.AreEqual("failover", first.GetProperty("kind").GetString());
        Assert.AreEqual("slave", first.GetProperty("server").GetString());
        StringAssert.StartsWith(first.GetProperty("message").GetString(), "event 11: ");
        Assert.AreEqual(T0.AddSeconds(11), first.GetProperty("time").GetDateTimeOffset());
        Assert.AreEqual(12, page.RootElement.GetProperty("next").GetInt64());

        using var none = JsonDocument.Parse(await http.GetStringAsync("api/events?after=250"));
        Assert.AreEqual(0, none.RootElement.GetProperty("events").GetArrayLength());
        Assert.AreEqual(250, none.RootElement.GetProperty("next").GetInt64());

        foreach (var bad in new[] { "api/events?limit=0", "api/events?limit=1001", "api/events?after=-1", "api/events?after=x", "api/events?after=1&after=2" })
        {
            using var refused = await http.GetAsync(bad);
            Assert.AreEqual(HttpStatusCode.BadRequest, refused.StatusCode, bad);
            using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.IsFalse(body.RootElement.GetProperty("accepted").GetBoolean());
        }

        // The status page's list: the recent events, newest first, numbered as in the history.
        using var status = JsonDocument.Parse(await http.GetStringAsync("api/status"));
        var recent = status.RootElement.GetProperty("events");
        Assert.AreEqual(EventLog.Recent, recent.GetArrayLength());
        Assert.AreEqual(250, recent[0].GetProperty("seq").GetInt64());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
