using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>
/// Established TCP connections through failback and a false alarm (docs/configuration.md,
/// Established connections): labtool http-hold keeps kept-alive HTTP connections to the VIP and
/// asks on each every 10 ms, so a reset, a move or a stall over 50 ms shows per connection.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class HeldConnectionTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private const int Connections = 10;

    [TestMethod]
    public async Task AnAutomaticFailbackAndAFirmwareRestartNeitherResetNorStallTheSlavesConnectionsWhileNewOnesReachTheMaster()
    {
        using var lab = Host.NewLab();
        var config = lab.WriteConfig("macs=yes");
        var firmware = Firmware.StartOn(lab, config);
        try
        {
            lab.WaitServing("master", Settle);
            lab.Fault("kill", "master");
            lab.WaitServing("slave", Settle);

            var hold = lab.StartHttpHold(Connections, TimeSpan.FromSeconds(7));
            // Every connection open on the slave before the master is back: one opened after the failback goes to the
            // master, as it should (CI once saw a connection on the master here, on a loaded machine).
            var opened = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Established(lab) < Connections && DateTime.UtcNow < opened) await Task.Delay(50);
            Assert.AreEqual(Connections, Established(lab), "the held connections opened:\n" + lab.Exec("client", "cat", "/proc/net/tcp"));
            await Task.Delay(2000);
            lab.Fault("restart", "master");
            firmware.WaitForEvent("failback to master from slave", Settle);
            lab.WaitServing("master", Settle);

            firmware = firmware.RestartOn(lab, config);
            firmware.WaitForEvent("switch connected; its failover group sends to [master, slave]", Settle);
            lab.WaitServing("master", Settle);
            var result = await hold.ResultAsync();

            AssertAllHeld(result, "slave");
            Assert.AreEqual(0, result.GetProperty("stalled").GetInt32(), "no gap over 50 ms: " + result);
        }
        finally
        {
            firmware.Dispose();
        }
    }

    [TestMethod]
    public async Task AMasterStalling150MsUnderTheDefaultConfigKeepsEveryConnectionItHas()
    {
        using var lab = Host.NewLab();
        using var firmware = Firmware.StartOn(lab, lab.WriteConfig("macs=yes"));
        lab.WaitServing("master", Settle);

        var hold = lab.StartHttpHold(Connections, TimeSpan.FromSeconds(4));
        await Task.Delay(2000);
        lab.Stall("master", TimeSpan.FromMilliseconds(150));
        var result = await hold.ResultAsync();

        // The stall itself shows as a gap: the server did not answer. Nothing was moved or reset.
        AssertAllHeld(result, "master");
        lab.WaitServing("master", Settle);
        var events = firmware.Status().GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message").GetString()!).ToList();
        Assert.IsFalse(events.Any(m => m.StartsWith("master hard-down", StringComparison.Ordinal)), string.Join(" | ", events));
    }

    /// <summary>
    /// The client's TCP connections to the VIP's web port that are established, read from the namespace's
    /// /proc/net/tcp (CI's machine once counted none with ss while this test passed elsewhere, so the kernel's own table).
    /// </summary>
    private static int Established(Lab lab) => EstablishedTo(lab.Exec("client", "cat", "/proc/net/tcp").Output, lab.Vip, 80);

    /// <summary>Rows of a /proc/net/tcp table in state 01 (established) whose remote end is <paramref name="address"/>:<paramref name="port"/>.</summary>
    private static int EstablishedTo(string table, string address, int port)
    {
        var remote = new System.Net.IPEndPoint(System.Net.IPAddress.Parse(address), port);
        return table.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(row => row.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f.Length > 3 && f[3] == "01" && Appliance.Switch.ProcNetTcp.TryParseEndPoint(f[2], out var end) && end.Equals(remote));
    }

    /// <summary>Every connection answered, is still open at the end, and only <paramref name="server"/> ever answered it.</summary>
    private static void AssertAllHeld(JsonElement result, string server)
    {
        var held = result.GetProperty("held").EnumerateArray().ToList();
        Assert.HasCount(Connections, held, result.ToString());
        foreach (var connection in held)
        {
            Assert.AreEqual("open", connection.GetProperty("outcome").GetString(), connection.ToString());
            Assert.AreEqual(server, connection.GetProperty("server").GetString(), connection.ToString());
            Assert.AreEqual(0, connection.GetProperty("other_servers").GetArrayLength(), connection.ToString());
        }
    }
}
