using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Appliance.Policy;
using Appliance.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Api.Tests;

/// <summary><c>POST /api/notify/test</c> (token, 409 without a channel) and <c>appliance_notifications_total</c> in <c>/metrics</c>.</summary>
[TestClass]
public sealed class NotifyApiTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task TheTestNeedsTheTokenAndAChannel()
    {
        var folder = Directory.CreateTempSubdirectory("notify-api-");
        try
        {
            var token = ApiToken.LoadOrCreate(Path.Combine(folder.FullName, "api.token"), out _);
            var secret = (await File.ReadAllTextAsync(Path.Combine(folder.FullName, "api.token"), TestContext.CancellationToken)).Trim();

            using (var none = await ServeAsync(token, notifications: null))
            {
                using var anonymous = await none.Http.PostAsync("api/notify/test", null, TestContext.CancellationToken);
                Assert.AreEqual(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                none.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                using var unconfigured = await none.Http.PostAsync("api/notify/test", null, TestContext.CancellationToken);
                Assert.AreEqual(HttpStatusCode.Conflict, unconfigured.StatusCode);
                using var body = JsonDocument.Parse(await unconfigured.Content.ReadAsStringAsync(TestContext.CancellationToken));
                Assert.IsFalse(body.RootElement.GetProperty("ok").GetBoolean());
                StringAssert.StartsWith(body.RootElement.GetProperty("message").GetString(), "no notification channel is configured");
            }

            var fake = new FakeNotifications();
            using var served = await ServeAsync(token, fake);
            served.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            using var answer = await served.Http.PostAsync("api/notify/test", null, TestContext.CancellationToken);
            Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode);
            Assert.AreEqual(
                """{"ok":false,"message":"1 of 2 channels failed","channels":[{"channel":"email","ok":true,"message":"sent"},{"channel":"syslog","ok":false,"message":"not sent: refused"}]}""",
                await answer.Content.ReadAsStringAsync(TestContext.CancellationToken));

            var metrics = await served.Http.GetStringAsync("metrics", TestContext.CancellationToken);
            StringAssert.Contains(metrics, "# TYPE appliance_notifications_total counter\n");
            StringAssert.Contains(metrics, "appliance_notifications_total{channel=\"email\",outcome=\"sent\"} 7\n");
            StringAssert.Contains(metrics, "appliance_notifications_total{channel=\"syslog\",outcome=\"failed\"} 2\n");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<Served> ServeAsync(ApiToken token, INotifications? notifications)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var api = ApiServer.Create(new IPEndPoint(IPAddress.Loopback, port), new StandInControl(), token, new HostFilter([IPAddress.Loopback], []),
            NullLoggerFactory.Instance, notifications: notifications);
        await api.StartAsync(CancellationToken.None);
        return new Served(api, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") });
    }

    private sealed record Served(ApiServer Api, HttpClient Http) : IDisposable
    {
        public void Dispose()
        {
            Http.Dispose();
            Api.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private sealed class FakeNotifications : INotifications
    {
        public bool Configured => true;

        public Task<NotifyTestDocument> TestAsync(CancellationToken cancel) => Task.FromResult(new NotifyTestDocument(false, "1 of 2 channels failed",
            [new NotifyChannelResult("email", true, "sent"), new NotifyChannelResult("syslog", false, "not sent: refused")]));

        public IReadOnlyList<(string Channel, string Outcome, long Count)> Counts() => [("email", "sent", 7), ("syslog", "failed", 2)];
    }
}
