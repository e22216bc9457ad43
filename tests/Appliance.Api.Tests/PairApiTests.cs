using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Appliance.Policy;
using Appliance.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Api.Tests;

/// <summary><c>POST /api/pair/takeover|handover</c> (token; 404 on a box on its own; 409 with the reason when refused) and the pair's status and metrics.</summary>
[TestClass]
public sealed class PairApiTests
{
    public TestContext TestContext { get; set; } = null!;

    private static PairStatus Standby => StandInControl.Standby;

    /// <summary>A box whose pair state is <paramref name="pair"/>; it accepts a takeover and refuses a handover, as a standby does.</summary>
    private static StandInControl Control(PairStatus? pair) => new(pair)
    {
        OnMove = kind => kind == PairMoveKind.Takeover ? new RequestOutcome(true, "takeover accepted") : new RequestOutcome(false, "this box is already standby"),
    };

    [TestMethod]
    public async Task AMoveNeedsTheTokenAndAPairAndSaysWhyItIsRefused()
    {
        var folder = Directory.CreateTempSubdirectory("pair-api-");
        try
        {
            var token = ApiToken.LoadOrCreate(Path.Combine(folder.FullName, "api.token"), out _);
            var secret = (await File.ReadAllTextAsync(Path.Combine(folder.FullName, "api.token"), TestContext.CancellationToken)).Trim();

            using (var alone = await ServeAsync(token, Control(null)))
            {
                using var anonymous = await alone.Http.PostAsync("api/pair/takeover", null, TestContext.CancellationToken);
                Assert.AreEqual(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                alone.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                using var notPair = await alone.Http.PostAsync("api/pair/handover", null, TestContext.CancellationToken);
                Assert.AreEqual(HttpStatusCode.NotFound, notPair.StatusCode);
                StringAssert.StartsWith(await MessageAsync(notPair), "this box is not one of a pair");
            }

            var control = Control(Standby);
            using var pair = await ServeAsync(token, control);
            using var wrong = new HttpRequestMessage(HttpMethod.Post, "api/pair/takeover") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "wrong") } };
            using var refusedToken = await pair.Http.SendAsync(wrong, TestContext.CancellationToken);
            Assert.AreEqual(HttpStatusCode.Unauthorized, refusedToken.StatusCode);
            Assert.IsEmpty(control.Asked, "nothing asked without the token");
            pair.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);

            using var taken = await pair.Http.PostAsync("api/pair/takeover", null, TestContext.CancellationToken);
            Assert.AreEqual(HttpStatusCode.OK, taken.StatusCode);
            Assert.AreEqual("takeover accepted", await MessageAsync(taken));
            using var handed = await pair.Http.PostAsync("api/pair/handover", null, TestContext.CancellationToken);
            Assert.AreEqual(HttpStatusCode.Conflict, handed.StatusCode);
            Assert.AreEqual("this box is already standby", await MessageAsync(handed));
            CollectionAssert.AreEqual(new[] { (PairMoveKind.Takeover, "api"), (PairMoveKind.Handover, "api") }, control.Asked);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [TestMethod]
    public async Task TheStatusAndMetricsSayTheBonusTheMoveAndTheFault()
    {
        var folder = Directory.CreateTempSubdirectory("pair-api-");
        try
        {
            var token = ApiToken.LoadOrCreate(Path.Combine(folder.FullName, "api.token"), out _);
            var split = Standby with
            {
                Role = PairRole.Active,
                Paths = Standby.Paths.SetItem("peer", VrrpState.Master),
                SplitBrain = true,
                Move = new PairMove(PairMoveKind.Handover, "api", TimeSpan.Zero, TimeSpan.FromSeconds(5)),
            };
            using var served = await ServeAsync(token, Control(split));

            using var status = JsonDocument.Parse(await served.Http.GetStringAsync("api/status", TestContext.CancellationToken));
            var pair = status.RootElement.GetProperty("pair");
            Assert.AreEqual("active", pair.GetProperty("role").GetString());
            Assert.AreEqual(PairBonus.Handover, pair.GetProperty("bonus").GetInt32());
            Assert.AreEqual("handover", pair.GetProperty("move").GetString());
            Assert.IsTrue(pair.GetProperty("split_brain").GetBoolean());
            Assert.AreEqual("split brain: this box is active and hears the peer as master on lan", pair.GetProperty("fault").GetString());

            var metrics = await served.Http.GetStringAsync("metrics", TestContext.CancellationToken);
            StringAssert.Contains(metrics, "# TYPE appliance_pair_split_brain gauge\nappliance_pair_split_brain 1\n");
            StringAssert.Contains(metrics, "\nappliance_pair_fault 1\n");
            StringAssert.Contains(metrics, "\nappliance_pair_active 1\n");
            StringAssert.Contains(metrics, $"\nappliance_pair_bonus {PairBonus.Handover}\n");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [TestMethod]
    public void TheStatusSaysTheOfficePortsLink()
    {
        var down = PairDocument.From(Standby with { OfficeUp = false });

        Assert.AreEqual("down", down.Office);
        Assert.AreEqual(PairBonus.Handover, down.Bonus);
        StringAssert.StartsWith(down.Fault, "office port down: ");
        Assert.AreEqual("up", PairDocument.From(Standby with { OfficeUp = true }).Office);
        Assert.AreEqual("unknown", PairDocument.From(Standby with { OfficeUp = null }).Office, "no switch yet");
    }

    private async Task<string?> MessageAsync(HttpResponseMessage answer)
    {
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(TestContext.CancellationToken));
        return body.RootElement.GetProperty("message").GetString();
    }

    private static async Task<Served> ServeAsync(ApiToken token, StandInControl control)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var api = ApiServer.Create(new IPEndPoint(IPAddress.Loopback, port), control, token, new HostFilter([IPAddress.Loopback], []), NullLoggerFactory.Instance);
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
}
