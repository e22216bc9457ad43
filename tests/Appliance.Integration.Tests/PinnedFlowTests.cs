using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>
/// Established connections stay on the server they started on (docs/configuration.md, Established
/// connections), seen through a 1 kHz UDP stream: to conntrack one flow, one connection. Each test
/// starts the stream after the service is where it wants it, so the flow is pinned there.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PinnedFlowTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task AFailbackLeavesAnEstablishedFlowOnTheSlaveWhileNewConnectionsReachTheMaster()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("macs=yes"));
        lab.WaitServing("master", Settle);
        lab.Fault("kill", "master");
        lab.WaitServing("slave", Settle);

        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(8));
        await Task.Delay(1500);
        lab.Fault("restart", "master");
        lab.WaitServing("master", Settle);
        // The API shows what the slave still carries (its conntrack zone, read every 2 s).
        var slave = WaitForServer(firmware, "slave", s => s.GetProperty("draining").GetBoolean());
        Assert.IsGreaterThanOrEqualTo(1, slave.GetProperty("connections").GetInt32(), slave.ToString());
        var result = await stream.ResultAsync();

        Assert.AreEqual("slave", OnlyServer(result), "the flow stayed where it started");
        Assert.AreEqual(0, result.GetProperty("lost").GetInt32(), result.ToString());
        firmware.WaitForEvent("failback to master from slave", Settle);
    }

    [TestMethod]
    public async Task AShortFreezeOfTheMasterMovesNoEstablishedFlow()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("macs=yes"));
        lab.WaitServing("master", Settle);
        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(4));
        await Task.Delay(1000);
        lab.Fault("freeze", "master");
        await Task.Delay(150);
        lab.Fault("thaw", "master");
        var result = await stream.ResultAsync();

        // The frozen master answers what queued up once it thaws; the flow never went to the slave.
        Assert.AreEqual("master", OnlyServer(result), "a stall shorter than hard_down moves nothing");
        var events = firmware.Events();
        Assert.IsFalse(events.Any(e => e.Kind == "hard_down" && e.Message.StartsWith("master", StringComparison.Ordinal)), string.Join(" | ", events));
    }

    [TestMethod]
    public async Task AKilledServiceMovesAnEstablishedFlowWithinTheKillBudget()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("macs=yes"));
        lab.WaitServing("master", Settle);
        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(3));
        await Task.Delay(1000);
        lab.Fault("kill", "master");
        var result = await stream.ResultAsync();

        var move = Switch(result, "master", "slave");
        Assert.IsNotNull(move, result.ToString());
        // The default probe confirms a refusal within milliseconds (bench/failover.md: a median of
        // 17 ms); a loaded test machine gets more room, a frozen-server figure (500 ms) none.
        Assert.IsLessThan(250.0, move.Value.GetProperty("outage_ms").GetDouble(), result.ToString());
        // The probe's refusal or, first, a client's (passive health): either moves the master's connections.
        firmware.WaitForEvent("master hard-down (", Settle);
    }

    [TestMethod]
    public async Task LinkLossMovesAnEstablishedFlowInTheSwitchWhileTheFirmwareIsStopped()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("macs=yes"));
        lab.WaitServing("master", Settle);
        var stream = lab.StartUdpStream(TimeSpan.FromSeconds(3));
        await Task.Delay(1000);
        Sh.Check("kill", "-STOP", firmware.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            lab.Fault("link-down", "master");
            var result = await stream.ResultAsync();
            var move = Switch(result, "master", "slave");
            Assert.IsNotNull(move, result.ToString());
            Assert.IsLessThan(100.0, move.Value.GetProperty("outage_ms").GetDouble(), "the pinned group fell through by itself: " + result);
        }
        finally
        {
            Sh.Check("kill", "-CONT", firmware.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [TestMethod]
    public async Task AFirmwareRestartMovesNoPinnedFlowAndKeepsAHardDownServersConnectionsAway()
    {
        using var lab = Host.NewLab();
        // A probe timeout that a loaded test machine does not trip by itself: a false alarm would
        // change the switch across a restart for a reason this test is not about.
        var config = lab.WriteConfig("macs=yes", "timeout=150ms");
        var firmware = Firmware.StartOn(lab, config);
        try
        {
            lab.WaitServing("master", Settle);
            // The master goes silent: its flow moves to the slave at hard-down.
            var moved = lab.StartUdpStream(TimeSpan.FromSeconds(10));
            await Task.Delay(1500);
            lab.Fault("blackhole", "master");
            firmware.WaitForEvent("master hard-down (silent for", Settle);

            // Restarted while the master is still silent: the switch's groups say it was hard-down.
            firmware = Restart(lab, firmware, config, "[slave]");

            // A flow started on the slave, then the master comes back for new connections.
            var pinned = lab.StartUdpStream(TimeSpan.FromSeconds(6));
            await Task.Delay(1500);
            lab.Fault("unblackhole", "master");
            lab.WaitServing("master", Settle);

            // Another restart after the failback: nothing moves either.
            firmware = Restart(lab, firmware, config, "[master, slave]");

            var second = await pinned.ResultAsync();
            Assert.AreEqual("slave", OnlyServer(second), "started on the slave, stays there across the failback and the restart");
            Assert.AreEqual(0, second.GetProperty("lost").GetInt32(), second.ToString());
            var first = await moved.ResultAsync();
            Assert.HasCount(1, first.GetProperty("switches").EnumerateArray().ToList(), "moved once, at hard-down, never back: " + first);
            Assert.IsNotNull(Switch(first, "master", "slave"), first.ToString());
        }
        finally
        {
            firmware.Dispose();
        }
    }

    /// <summary>kill -9 and start again: the new firmware adopts the switch as it is, with nothing to change.</summary>
    private static Firmware Restart(Lab lab, Firmware firmware, string config, string group)
    {
        var restarted = firmware.RestartOn(lab, config);
        restarted.WaitForEvent($"switch connected; its failover group sends to {group}", Settle);
        Assert.DoesNotContain("(switch connected)", restarted.Log, "the restarted firmware found the switch right and changed nothing:\n" + restarted.LogTail(30));
        return restarted;
    }

    private static JsonElement WaitForServer(Firmware firmware, string name, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + Settle;
        JsonElement server;
        do
        {
            server = firmware.Status().GetProperty("servers").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
            if (condition(server)) return server;
            Thread.Sleep(200);
        }
        while (DateTime.UtcNow < deadline);
        throw new AssertFailedException($"{name} never got there: {server}");
    }

    private static string? OnlyServer(JsonElement stream)
    {
        var servers = stream.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("server").GetString()).Distinct().ToList();
        Assert.HasCount(1, servers, stream.ToString());
        return servers[0];
    }

    private static JsonElement? Switch(JsonElement stream, string from, string to) =>
        stream.GetProperty("switches").EnumerateArray().Cast<JsonElement?>()
            .FirstOrDefault(s => s!.Value.GetProperty("from").GetString() == from && s.Value.GetProperty("to").GetString() == to);
}
