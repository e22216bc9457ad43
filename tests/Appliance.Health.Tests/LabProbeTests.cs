using System.Diagnostics;

namespace Appliance.Health.Tests;

/// <summary>
/// The probes against real servers in the lab (tools/lab, root and Open vSwitch needed): nginx on
/// the master and slave, faults injected the way the benchmarks do. Probes run at the default
/// schedule, 20 ms interval and 40 ms timeout. The lab is torn down after the class,
/// whatever happened.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class LabProbeTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(40);
    // Scheduling and process noise on a busy 2-core machine, on top of what docs/configuration.md promises.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(15);

    private readonly MonotonicClock _clock = new(TimeProvider.System);

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void BuildLab(TestContext context)
    {
        try
        {
            HealthLab.Up();
        }
        catch
        {
            HealthLab.Down();
            throw;
        }
    }

    [ClassCleanup]
    public static void RemoveLab() => HealthLab.Down();

    /// <summary>Every test starts from a healthy lab: up repairs links, services, frozen processes and blackholes.</summary>
    [TestInitialize]
    public void ClearFaults() => HealthLab.Up();

    [TestMethod]
    public async Task EveryProbeSucceedsAgainstLiveServers()
    {
        await using var http = new HttpProbe(HealthLab.Management, 80, "/health");
        await using var tcp = new TcpProbe(HealthLab.Management, 80);
        await using var icmp = IcmpProbe.Open(HealthLab.Management);
        await using var arp = new ArpProbe(ArpResolver.Open(HealthLab.Bridge, HealthLab.Management), ownsResolver: true);

        foreach (var server in new[] { HealthLab.Master, HealthLab.Slave })
        {
            var outcomes = new Dictionary<string, ProbeOutcome>
            {
                ["http"] = await http.ProbeAsync(server, Deadline()),
                ["tcp"] = await tcp.ProbeAsync(server, Deadline()),
                ["icmp"] = await icmp.ProbeAsync(server, Deadline()),
                ["arp"] = await arp.ProbeAsync(server, Deadline()),
            };
            foreach (var (kind, outcome) in outcomes)
            {
                TestContext.WriteLine($"{server.Name} {kind}: {outcome.Detail} in {outcome.Latency.TotalMilliseconds:F2} ms");
                Assert.IsTrue(outcome.Healthy, $"{server.Name} {kind}: {outcome.Detail}");
            }
            Assert.AreEqual("HTTP 200", outcomes["http"].Detail);
            Assert.AreEqual(server == HealthLab.Master ? HealthLab.MasterMac : HealthLab.SlaveMac, outcomes["arp"].Mac);
        }
        // The probes left from the management address.
        Assert.IsTrue(HealthLab.AccessLog("master").Any(line => line.Split(' ')[1] == HealthLab.Management.ToString() && line.Contains("GET /health", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task ArpResolverFindsServerMacsAndNullForNobody()
    {
        await using var resolver = ArpResolver.Open(HealthLab.Bridge, HealthLab.Management);

        Assert.AreEqual(HealthLab.MasterMac, await resolver.ResolveAsync(HealthLab.Master.Address));
        Assert.AreEqual(HealthLab.SlaveMac, await resolver.ResolveAsync(HealthLab.Slave.Address));
        var clock = Stopwatch.StartNew();
        Assert.IsNull(await resolver.ResolveAsync(IPAddress.Parse(HealthLab.Net + ".77"), TimeSpan.FromMilliseconds(300)));
        Assert.IsLessThan(2000, clock.ElapsedMilliseconds, "gives up near its 300 ms, not the default 1 s and more");
    }

    [TestMethod]
    public async Task KilledServiceIsRefusedWithinOneInterval()
    {
        await using var http = new HttpProbe(HealthLab.Management, 80, "/health");
        await using var tcp = new TcpProbe(HealthLab.Management, 80);
        await using var httpResults = Run(http);
        await using var tcpResults = Run(tcp);
        await httpResults.HealthyAsync("master");
        await tcpResults.HealthyAsync("master");

        var after = Inject("kill", "master");

        foreach (var (kind, results) in new[] { ("http", httpResults), ("tcp", tcpResults) })
        {
            var refused = await results.FirstAsync(after - Interval, r => r.Server == "master" && r.Detail == ProbeDetails.ConnectionRefused, TimeSpan.FromSeconds(2));
            var delay = refused.Result.At - after;
            TestContext.WriteLine($"{kind}: connection refused {delay.TotalMilliseconds:F1} ms after the kill returned");
            Assert.IsLessThanOrEqualTo(Interval + Slack, delay, $"{kind}: refused only after {delay.TotalMilliseconds:F1} ms");
        }
        // The slave is not disturbed.
        await httpResults.HealthyAsync("slave");
    }

    [TestMethod]
    public async Task FrozenServerTimesOutOverHttp()
    {
        await using var http = new HttpProbe(HealthLab.Management, 80, "/health");
        await using var tcp = new TcpProbe(HealthLab.Management, 80);
        await using var httpResults = Run(http);
        await using var tcpResults = Run(tcp);
        await httpResults.HealthyAsync("master");

        var after = Inject("freeze", "master");

        var timeout = await httpResults.FirstAsync(after, r => r.Server == "master" && !r.Healthy, TimeSpan.FromSeconds(2));
        var delay = timeout.Result.At - after;
        TestContext.WriteLine($"http: {timeout.Result.Detail} {delay.TotalMilliseconds:F1} ms after the freeze returned");
        StringAssert.StartsWith(timeout.Result.Detail, ProbeDetails.Timeout);
        Assert.AreEqual(ProbeDetails.TimeoutAfterConnect, timeout.Result.Detail, "the kernel still completes the handshake of a frozen server");
        Assert.IsLessThanOrEqualTo(Interval + Timeout + Slack, delay);
        // Known and documented: the frozen server's kernel still accepts connections until the
        // listen backlog fills, so a tcp probe keeps passing for a while. Shown, not asserted.
        await Task.Delay(500);
        var tcpAfter = tcpResults.Results.Where(r => r.Result.Server == "master" && r.Result.At > after).ToArray();
        TestContext.WriteLine($"tcp during the freeze: {tcpAfter.Count(r => r.Result.Healthy)} of {tcpAfter.Length} probes passed");
        await httpResults.HealthyAsync("slave");
    }

    [TestMethod]
    public async Task BlackholedServerTimesOutOnEveryProbe()
    {
        await using var http = new HttpProbe(HealthLab.Management, 80, "/health");
        await using var tcp = new TcpProbe(HealthLab.Management, 80);
        await using var icmp = IcmpProbe.Open(HealthLab.Management);
        await using var arp = new ArpProbe(ArpResolver.Open(HealthLab.Bridge, HealthLab.Management), ownsResolver: true);
        var runs = new (string Kind, ResultRecorder Results, string Detail)[]
        {
            ("http", Run(http), ProbeDetails.Timeout),
            ("tcp", Run(tcp), ProbeDetails.Timeout),
            ("icmp", Run(icmp), ProbeDetails.Timeout),
            ("arp", Run(arp), ProbeDetails.NoArpReply),
        };
        try
        {
            foreach (var run in runs) await run.Results.HealthyAsync("master");

            var after = Inject("blackhole", "master");

            foreach (var (kind, results, detail) in runs)
            {
                // A probe in flight when the drop began may fail otherwise; the first one sent into the drop times out.
                var failed = await results.FirstAsync(after, r => r.Server == "master" && r.Detail == detail, TimeSpan.FromSeconds(2));
                var delay = failed.Result.At - after;
                TestContext.WriteLine($"{kind}: {failed.Result.Detail} {delay.TotalMilliseconds:F1} ms after the blackhole returned");
                Assert.IsLessThanOrEqualTo(Interval + Timeout + Slack, delay, kind);
                await results.HealthyAsync("slave");
            }
        }
        finally
        {
            foreach (var run in runs) await run.Results.DisposeAsync();
        }
    }

    [TestMethod]
    public async Task LinkDownFailsArpAndIcmpAndLinkUpHealsThem()
    {
        await using var icmp = IcmpProbe.Open(HealthLab.Management);
        await using var arp = new ArpProbe(ArpResolver.Open(HealthLab.Bridge, HealthLab.Management), ownsResolver: true);
        await using var icmpResults = Run(icmp);
        await using var arpResults = Run(arp);
        await icmpResults.HealthyAsync("master");
        await arpResults.HealthyAsync("master");
        Assert.AreEqual(HealthLab.MasterMac, arpResults.Results.Last(r => r.Result.Server == "master").Outcome.Mac);

        var down = Inject("link-down", "master");

        var arpFailed = await arpResults.FirstAsync(down, r => r.Server == "master" && !r.Healthy, TimeSpan.FromSeconds(2));
        var icmpFailed = await icmpResults.FirstAsync(down, r => r.Server == "master" && !r.Healthy, TimeSpan.FromSeconds(2));
        TestContext.WriteLine($"link down: arp {arpFailed.Result.Detail} after {(arpFailed.Result.At - down).TotalMilliseconds:F1} ms, icmp {icmpFailed.Result.Detail} after {(icmpFailed.Result.At - down).TotalMilliseconds:F1} ms");
        Assert.AreEqual(ProbeDetails.NoArpReply, arpFailed.Result.Detail);
        Assert.AreEqual(ProbeDetails.Timeout, icmpFailed.Result.Detail);
        Assert.IsLessThanOrEqualTo(Interval + Timeout + Slack, arpFailed.Result.At - down);
        Assert.IsLessThanOrEqualTo(Interval + Timeout + Slack, icmpFailed.Result.At - down);
        await arpResults.HealthyAsync("slave");

        var up = Inject("link-up", "master");

        await arpResults.FirstAsync(up, r => r.Server == "master" && r.Healthy, TimeSpan.FromSeconds(3));
        await icmpResults.FirstAsync(up, r => r.Server == "master" && r.Healthy, TimeSpan.FromSeconds(3));
    }

    /// <summary>
    /// What probing costs the process: 2 servers, http, every 20 ms, for HEALTH_COST_SECONDS
    /// (default 10). The target is under 5 % of one core; the bound asserted here is loose, since
    /// other work shares this machine, and the figure is printed.
    /// </summary>
    [TestMethod]
    public async Task HttpProbingOfTwoServersEvery20MsCostsLittleCpu()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("HEALTH_COST_SECONDS"), out int s) ? s : 10;
        var idle = await MeasureCpuAsync(TimeSpan.FromSeconds(2));
        await using var http = new HttpProbe(HealthLab.Management, 80, "/health");
        var results = 0;
        var failures = 0;
        await using var prober = new HealthProber(http, [HealthLab.Master, HealthLab.Slave], Interval, Timeout,
            (r, _) => { Interlocked.Increment(ref results); if (!r.Healthy) Interlocked.Increment(ref failures); }, _clock, NullLogger<HealthProber>.Instance);
        prober.Start();
        await Task.Delay(1000); // warm-up: JIT, tiering, the first connections
        int before = Volatile.Read(ref results);
        var busy = await MeasureCpuAsync(TimeSpan.FromSeconds(seconds));
        int probes = Volatile.Read(ref results) - before;
        await prober.StopAsync();

        TestContext.WriteLine($"idle test process: {idle}");
        TestContext.WriteLine($"probing 2 servers over http every 20 ms for {seconds} s: {busy} ({busy.Total - idle.Total:F2} % above idle), {probes} probes ({probes / (double)seconds:F1}/s), {failures} failed, {prober.MissedCount(0) + prober.MissedCount(1)} starts skipped");
        Assert.AreEqual(0, failures);
        Assert.IsGreaterThanOrEqualTo(seconds * 100 * 0.95, probes);
        Assert.IsLessThan(25.0, busy.Total, "far above the 5 % target");
    }

    /// <summary>The process's CPU time over <paramref name="span"/>, as percentages of one core.</summary>
    private static async Task<CpuUse> MeasureCpuAsync(TimeSpan span)
    {
        using var process = Process.GetCurrentProcess();
        var user = process.UserProcessorTime;
        var system = process.PrivilegedProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.Delay(span);
        process.Refresh();
        double Percent(TimeSpan cpu) => cpu.TotalMilliseconds / wall.Elapsed.TotalMilliseconds * 100;
        return new CpuUse(Percent(process.UserProcessorTime - user), Percent(process.PrivilegedProcessorTime - system));
    }

    private sealed record CpuUse(double User, double System)
    {
        public double Total => User + System;

        public override string ToString() => $"{Total:F2} % of one core (user {User:F2} %, system {System:F2} %)";
    }

    private ResultRecorder Run(IHealthProbe probe) => new(probe, [HealthLab.Master, HealthLab.Slave], Interval, Timeout, _clock);

    /// <summary>Injects a fault; returns the monotonic time the command returned (the fault is in place by then).</summary>
    private TimeSpan Inject(string kind, string host)
    {
        HealthLab.Fault(kind, host);
        return _clock.Now;
    }

    private static CancellationToken Deadline() => TcpProbeTests.Deadline(TimeSpan.FromSeconds(1));
}
