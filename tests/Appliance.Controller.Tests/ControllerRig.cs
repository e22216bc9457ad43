using Appliance.Api;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Controller.Tests;

/// <summary>
/// A controller on a fake clock, against a <see cref="FakeSwitch"/> with the servers' ports 1
/// (master) and 2 (slave). Tests wait for the loop with <see cref="FlushAsync"/>, never by time;
/// <see cref="Guard"/> only turns a hang into a failure.
/// </summary>
internal sealed class ControllerRig : IAsyncDisposable
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    public static readonly MacAddress MasterMac = MacAddress.Parse("02:00:c6:12:00:01");
    public static readonly MacAddress SlaveMac = MacAddress.Parse("02:00:c6:12:00:02");
    public static readonly IReadOnlyDictionary<string, MacAddress> BothMacs = new Dictionary<string, MacAddress> { ["master"] = MasterMac, ["slave"] = SlaveMac };

    private CancellationTokenSource? _stop;
    private Task? _running;

    /// <param name="configuredMacs">The servers whose MAC the config gives; the others are learned.</param>
    /// <param name="passive">health.passive: "off" for tests of programming alone, where a failover is only group changes.</param>
    /// <param name="ports">The bridge's OpenFlow ports: the servers' 1 and 2 by default.</param>
    public ControllerRig(string mode = "nat", string failback = "auto", string[]? configuredMacs = null, string passive = "on", uint[]? ports = null)
    {
        configuredMacs ??= ["master", "slave"];
        string Mac(string server, MacAddress mac) => configuredMacs.Contains(server) ? $", mac: {mac}" : "";
        Config = ConfigLoader.Parse($$"""
            bridge: { name: br0, management: 198.18.0.6/24 }
            service: { vip: 198.18.0.100, mode: {{mode}} }
            servers:
              - { name: master, address: 198.18.0.1, port: 1{{Mac("master", MasterMac)}} }
              - { name: slave, address: 198.18.0.2, port: 2{{Mac("slave", SlaveMac)}} }
            health: { probe: http, interval: 20ms, timeout: 40ms, fall: 3, rise: 3, hold_down: 5s, passive: {{passive}} }
            failback: {{failback}}
            """, "test.yml");
        Clock = new MonotonicClock(Time);
        Switch = new FakeSwitch(Time, ports ?? [1, 2]);
    }

    public FakeTimeProvider Time { get; } = new();

    public MonotonicClock Clock { get; }

    public ApplianceConfig Config { get; }

    public FakeSwitch Switch { get; }

    public ApplianceController Controller { get; private set; } = null!;

    /// <summary>What the management port's interface says its MAC is; null: the controller is given no reader.</summary>
    public MacAddress? ManagementMac { get; set; }

    public ApplianceStatus Status => Controller.Status;

    public ServerView Server(string name) => Status.Servers.Single(s => s.Name == name);

    /// <summary>The watch ports of the VIP group's buckets in the switch, in bucket order.</summary>
    public uint[] BucketPorts => [.. Switch.Groups.Single(g => g.GroupId == RuleBuilder.VipGroup).Buckets.Select(b => b.WatchPort)];

    /// <summary>Where the operator's intent is saved (operator.json), when the test gives a state directory.</summary>
    public OperatorIntentStore? Intents { get; init; }

    /// <summary>What the servers' conntrack zones hold, as ovs-vswitchd would answer; null: the controller is given no reader.</summary>
    public Func<IReadOnlyList<ushort>, CancellationToken, Task<ConntrackLimits>>? ReadZones { get; init; }

    public ILoggerFactory Loggers { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Starts a controller, as the firmware does at boot (the carrier watch included, when given).</summary>
    public ApplianceController Start(Func<ServerConfig, CancellationToken, Task<MacAddress?>>? resolveMac = null, ICarrierWatch? carrier = null)
    {
        Controller = new ApplianceController(Config, Clock, Loggers, resolveMac, Intents);
        if (carrier is not null) Controller.WatchCarrier(carrier);
        if (ReadZones is not null) Controller.CountConnectionsWith(ReadZones);
        if (ManagementMac is not null) Controller.ReadManagementMacWith(() => ManagementMac);
        _stop = new CancellationTokenSource();
        _running = Controller.RunAsync(_stop.Token);
        return Controller;
    }

    public async Task StopAsync()
    {
        if (_stop is null || _running is null) return;
        await _stop.CancelAsync();
        await _running.WaitAsync(Guard);
        _stop.Dispose();
        _stop = null;
    }

    /// <summary>The firmware restarts: the controller stops, its connection drops, a new controller starts.</summary>
    public async Task RestartFirmwareAsync(Func<ServerConfig, CancellationToken, Task<MacAddress?>>? resolveMac = null)
    {
        await StopAsync();
        Switch.Channel?.Close("connection closed by the controller");
        Start(resolveMac);
    }

    /// <summary>The switch connects to the controller.</summary>
    public FakeSwitchChannel Connect() => Switch.Connect(Controller);

    /// <summary>The switch connects, and the controller has adopted it.</summary>
    public async Task<FakeSwitchChannel> AdoptAsync()
    {
        var channel = Connect();
        await FlushAsync();
        return channel;
    }

    /// <summary>
    /// Returns once the controller has handled everything handed to it so far and the switch has
    /// answered what it was sent meanwhile (do not use while the switch stalls).
    /// </summary>
    public async Task FlushAsync()
    {
        var deadline = DateTime.UtcNow + Guard;
        // An answer the switch gave on another thread reaches the loop through its queue: flush until it has.
        // Idle is read after a flush, so never in the middle of the loop handling an answer (which
        // clears the request outstanding and may start the next).
        while (true)
        {
            await FlushLoopAsync();
            if (!Controller.SwitchBusy)
            {
                await FlushLoopAsync();
                if (!Controller.SwitchBusy) return;
            }
            if (DateTime.UtcNow > deadline) throw new AssertFailedException("the switch never answered (stalled?)");
            await Task.Delay(1);
        }
    }

    /// <summary>Returns once the controller has handled everything handed to it so far, whatever the switch does.</summary>
    public Task FlushLoopAsync() => Controller.FlushAsync().WaitAsync(Guard);

    /// <summary>Probe results, 20 ms apart, as the prober reports them.</summary>
    public void Probes(string server, bool healthy, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(20));
            Controller.ReportProbe(new ProbeResult(Controller.Now, server, healthy, healthy ? "HTTP 200" : "connection refused"), TimeSpan.FromMilliseconds(1));
        }
    }

    /// <summary>
    /// Moves the clock on, stopping at every whole second of the controller's clock, where its
    /// heartbeat ticks, until the loop has handled the tick. The fake clock steps through the
    /// timers of one advance while the loop runs, so a timer the loop re-arms meanwhile would be
    /// armed from a clock that moved between reading it and arming; this way it stands still.
    /// The heartbeat is on whole seconds for the controller started first (the clock's origin).
    /// </summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        var end = Controller.Now + by;
        while (Controller.Now < end)
        {
            var heartbeat = TimeSpan.FromSeconds(Math.Floor(Controller.Now.TotalSeconds) + 1);
            Time.Advance((heartbeat < end ? heartbeat : end) - Controller.Now);
            await FlushAsync();
        }
    }

    /// <summary>Waits for a published status the condition holds for.</summary>
    public async Task<ApplianceStatus> StatusWhenAsync(Func<ApplianceStatus, bool> condition, string what)
    {
        var seen = new TaskCompletionSource<ApplianceStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(ApplianceStatus status)
        {
            if (condition(status)) seen.TrySetResult(status);
        }
        Controller.StatusChanged += OnChanged;
        try
        {
            if (condition(Controller.Status)) return Controller.Status;
            return await seen.Task.WaitAsync(Guard);
        }
        catch (TimeoutException)
        {
            throw new AssertFailedException($"the status never showed {what}");
        }
        finally
        {
            Controller.StatusChanged -= OnChanged;
        }
    }

    /// <summary>RuleBuilder's rules for these buckets (the first one active) and MACs.</summary>
    public RuleSet Expected(IReadOnlyDictionary<string, MacAddress> macs, params string[] buckets) =>
        new RuleBuilder(Config).Build(new DesiredSwitchState([.. buckets], buckets.FirstOrDefault()), macs);

    /// <summary>The rules of <paramref name="buckets"/> for new connections, with <paramref name="hardDown"/>'s established connections moved.</summary>
    public RuleSet ExpectedHardDown(IReadOnlyDictionary<string, MacAddress> macs, string[] buckets, params string[] hardDown) =>
        new RuleBuilder(Config).Build(new DesiredSwitchState([.. buckets], buckets.FirstOrDefault(), [.. hardDown]), macs);

    /// <summary>The switch holds exactly these flows and groups, nothing more.</summary>
    public void AssertSwitchHolds(RuleSet expected)
    {
        var held = RuleSet.FromSwitch(Switch.Flows, Switch.Groups);
        var same = held.Flows.ToHashSet().SetEquals(expected.Flows) && held.Groups.ToHashSet().SetEquals(expected.Groups) && held.Flows.Count == expected.Flows.Count;
        Assert.IsTrue(same, $"the switch holds\n{held.Describe()}\nbut should hold\n{expected.Describe()}");
    }

    public IReadOnlyList<ReceivedBatch> BatchesOn(FakeSwitchChannel channel) => [.. Switch.Batches.Where(b => b.Channel == channel.Id)];

    public async ValueTask DisposeAsync() => await StopAsync();
}
