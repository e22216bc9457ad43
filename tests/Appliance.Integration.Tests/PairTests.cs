using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>
/// Two boxes as one (docs/pair.md) in the pair lab (<c>tools/lab pair</c>): real OVS bridges, real
/// keepalived (VRRPv3 on the LAN and on the peer cable), both firmwares, servers with a leg to each
/// box. Each test builds its own lab and removes it, also on failure. How fast a takeover is, is
/// measured by tools/bench pair (bench/pair/lab-faults.sh), not asserted here.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed partial class PairTests
{
    private static readonly string Tool = Path.Combine(Sh.RepositoryRoot, "tools/lab");
    private static readonly string LabTool = Path.Combine(Sh.RepositoryRoot, "artifacts/labtool/labtool");

    /// <summary>A pair lab with both firmwares started; box A active, box B standby.</summary>
    private sealed class PairLab : IDisposable
    {
        public PairLab(string name, string net)
        {
            Name = name;
            Net = net;
            // These tests check what happens, not how fast (tools/bench pair does): at the lab's
            // 0.01 s, a keepalived starved of CPU on a shared 2-vCPU machine looked dead to its peer now
            // and then (docs/pair.md); 0.05 s (master down after about 170 ms) does not.
            Environment.SetEnvironmentVariable("PAIR_ADVERT_INT", "0.05");
            try
            {
                Sh.Check(Tool, "pair", "up", "--name", name, "--net", net);
                Sh.Check(Tool, "pair", "start", "a", "--name", name);
                Sh.Check(Tool, "pair", "start", "b", "--name", name);
                WaitRoles("active", "standby", TimeSpan.FromSeconds(30));
                WaitSteady(TimeSpan.FromSeconds(30));
                WaitVipAnswers(TimeSpan.FromSeconds(30));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string Name { get; }

        public string Net { get; }

        public string Vip => $"{Net}.100";

        public void Pair(params string[] args) => Sh.Check(Tool, ["pair", .. args, "--name", Name]);

        public Sh.Result In(string ns, params string[] command) => Sh.Run("ip", ["netns", "exec", $"{Name}-{ns}", .. command]);

        /// <summary>
        /// Until both switches are programmed and each box hears the other on every path: a box stands by from its start,
        /// before its switch forwards its <c>lan</c> adverts, so the roles alone do not say the pair is whole. A test that cut
        /// the peer cable at that moment left box B hearing box A on no path, and it took over (2026-12-03; the firmware now
        /// waits for its switch's rules before it may take over, docs/pair.md, and tests still begin from a whole pair).
        /// </summary>
        public void WaitSteady(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            string got;
            do
            {
                got = $"a {Steadiness("a", "master")}, b {Steadiness("b", "backup")}";
                if (got == "a steady, b steady") return;
                Thread.Sleep(200);
            }
            while (DateTime.UtcNow < until);
            Assert.Fail($"the pair is not steady: {got}\n{Sh.Run(Tool, "pair", "status", "--name", Name)}");
        }

        private string Steadiness(string box, string paths)
        {
            if (StatusOf(box) is not { } status) return "unreachable";
            if (!status.GetProperty("switch").GetProperty("programmed").GetBoolean()) return "switch not programmed";
            var states = status.GetProperty("pair").GetProperty("paths").EnumerateObject().Select(p => $"{p.Name} {p.Value.GetString()}").ToArray();
            return states.All(p => p.EndsWith(" " + paths, StringComparison.Ordinal)) ? "steady" : string.Join(", ", states);
        }

        /// <summary>The box's <c>pair</c> object of GET /api/status, or null when its API does not answer.</summary>
        public JsonElement? PairOf(string box) =>
            StatusOf(box) is { } status && status.TryGetProperty("pair", out var pair) ? pair : null;

        /// <summary>The box's GET /api/status, or null when its API does not answer.</summary>
        public JsonElement? StatusOf(string box)
        {
            var address = $"{Net}.{(box == "a" ? 6 : 7)}";
            var answer = In($"box{box}", "curl", "-s", "-m", "1", $"http://{address}:8080/api/status");
            if (answer.ExitCode != 0 || answer.Output.Length == 0) return null;
            using var json = JsonDocument.Parse(answer.Output);
            return json.RootElement.Clone();
        }

        /// <summary>Until the box's GET /api/status satisfies <paramref name="done"/> (<paramref name="what"/> says what the test waits for).</summary>
        public void WaitStatus(string box, Func<JsonElement, bool> done, string what, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            JsonElement? last;
            do
            {
                last = StatusOf(box);
                if (last is { } status && done(status)) return;
                Thread.Sleep(100);
            }
            while (DateTime.UtcNow < until);
            Assert.Fail($"{what}: not within {timeout.TotalSeconds} s; box {box}'s status: {last}");
        }

        public string RoleOf(string box) => PairOf(box) is { } pair ? pair.GetProperty("role").GetString()! : "unreachable";

        public void WaitRoles(string a, string b, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            string got;
            do
            {
                got = $"a {RoleOf("a")}, b {RoleOf("b")}";
                if (got == $"a {a}, b {b}") return;
                Thread.Sleep(200);
            }
            while (DateTime.UtcNow < until);
            Assert.Fail($"expected a {a}, b {b}; got {got}\n{Sh.Run(Tool, "pair", "status", "--name", Name)}");
        }

        /// <summary>
        /// Until a short stream to the VIP loses nothing: a role is the policy's at once, but the switch
        /// of a box just started is programmed and its servers' MACs learned a moment later.
        /// </summary>
        public void WaitVipAnswers(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            string report;
            do
            {
                report = Sh.Run("ip", "netns", "exec", $"{Name}-client", LabTool, "udp-stream", "--target", $"{Vip}:7", "--rate", "1000", "--duration", "500ms").Output;
                if (report.Contains(", lost 0 ", StringComparison.Ordinal)) return;
            }
            while (DateTime.UtcNow < until);
            Assert.Fail($"the VIP does not answer every datagram:\n{report}\n{Sh.Run(Tool, "pair", "status", "--name", Name)}");
        }

        /// <summary>A 1 kHz stream from the client to the VIP's UDP echo, running while <paramref name="during"/> happens 1 s in.</summary>
        public string Stream(TimeSpan length, Action during)
        {
            var stream = Sh.RunAsync("ip", "netns", "exec", $"{Name}-client", LabTool, "udp-stream", "--target", $"{Vip}:7", "--rate", "1000",
                "--duration", $"{(int)length.TotalMilliseconds}ms");
            Thread.Sleep(1000);
            during();
            var result = stream.GetAwaiter().GetResult();
            StringAssert.Contains(result.Output, "sent ", result.ToString());
            return result.Output;
        }

        public void Dispose() => Sh.Try(Tool, "pair", "down", "--name", Name);
    }

    private static int Lost(string report) =>
        int.Parse(System.Text.RegularExpressions.Regex.Match(report, @"lost (\d+) ").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [TestMethod]
    public void TheActiveBoxsFirmwareCrashingMovesNothingAndLosesNothing()
    {
        using var lab = new PairLab(Host.Prefix + "pc", "198.19.211");

        var report = lab.Stream(TimeSpan.FromSeconds(4), () => lab.Pair("stop", "a"));

        Assert.AreEqual(0, Lost(report), report);
        Assert.AreEqual("standby", lab.RoleOf("b"), "the standby still hears box A's keepalived");
        lab.Pair("start", "a");
        lab.WaitRoles("active", "standby", TimeSpan.FromSeconds(10));
    }

    [TestMethod]
    public void CuttingThePeerCableTakesOverNeither()
    {
        using var lab = new PairLab(Host.Prefix + "pp", "198.19.212");

        var report = lab.Stream(TimeSpan.FromSeconds(4), () => Assert.AreEqual(0, lab.In("boxa", "ip", "link", "set", "peer", "down").ExitCode));

        Assert.AreEqual(0, Lost(report), report);
        Assert.AreEqual("active", lab.RoleOf("a"));
        var b = lab.PairOf("b")!.Value;
        Assert.AreEqual("standby", b.GetProperty("role").GetString());
        Assert.AreEqual("fault", b.GetProperty("paths").GetProperty("peer").GetString(), b.ToString());
        Assert.AreEqual("master", b.GetProperty("peer").GetString(), "still heard on the LAN");
    }

    [TestMethod]
    public void PowerLossOfTheActiveBoxMovesTheVipToTheStandby()
    {
        using var lab = new PairLab(Host.Prefix + "pl", "198.19.213");

        var report = lab.Stream(TimeSpan.FromSeconds(5), () => lab.Pair("power-off", "a"));

        Assert.AreEqual("active", lab.RoleOf("b"), report);
        Assert.DoesNotContain("-> (end)", report, "the VIP must answer again through box B");
        Console.WriteLine(report);
        // The old active comes back as standby: no preemption, failback between boxes is manual.
        lab.Pair("power-on", "a");
        lab.WaitRoles("standby", "active", TimeSpan.FromSeconds(15));
    }

    [TestMethod]
    public void BothPathsCutTakesOverAndTheReturningBoxLeavesOneActive()
    {
        using var lab = new PairLab(Host.Prefix + "pb", "198.19.214");

        // Box A cut off from box B on both paths, alive: its office port and the peer cable.
        Sh.Check("ip", "link", "set", $"{lab.Name}-a4", "down");
        Assert.AreEqual(0, lab.In("boxa", "ip", "link", "set", "peer", "down").ExitCode);
        lab.WaitRoles("active", "active", TimeSpan.FromSeconds(5));
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));
        var report = lab.Stream(TimeSpan.FromSeconds(3), () => { });
        Assert.DoesNotContain("-> (end)", report, "the VIP answers through box B, the only one the office reaches");
        // Box B hears box A on no path and box A's API (through the office LAN) does not answer: two comparisons, 5 s apart.
        WaitFault(lab, "b", "peer lost: ", TimeSpan.FromSeconds(20));

        Sh.Check("ip", "link", "set", $"{lab.Name}-a4", "up");
        Assert.AreEqual(0, lab.In("boxa", "ip", "link", "set", "peer", "up").ExitCode);
        // Both carry the active bonus: the tie goes to the higher address, box B; box A stands by.
        lab.WaitRoles("standby", "active", TimeSpan.FromSeconds(10));
        WaitFault(lab, "b", null, TimeSpan.FromSeconds(10));
    }
}
