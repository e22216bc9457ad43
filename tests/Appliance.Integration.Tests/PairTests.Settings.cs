using System.Text.Json;

namespace Appliance.Integration.Tests;

/// <summary>The pair's shared settings (docs/pair.md#settings): compared every 5 s, a difference shown on both boxes, copied from one to the other.</summary>
public sealed partial class PairTests
{
    private static string Token(PairLab lab, string box) => File.ReadAllText($"/run/appliance-lab/{lab.Name}/box{box}/api.token").Trim();

    private static string Address(PairLab lab, string box) => $"{lab.Net}.{(box == "a" ? 6 : 7)}";

    /// <summary>A call to a box's API from inside its namespace: the status line's code, then the body.</summary>
    private static (int Status, string Body) Call(PairLab lab, string box, string method, string path, string? json = null)
    {
        string[] data = json is null ? [] : ["-H", "Content-Type: application/json", "--data", json];
        var result = lab.In($"box{box}", ["curl", "-s", "-m", "30", "-w", "\n%{http_code}", "-X", method, "-H", $"Authorization: Bearer {Token(lab, box)}",
            .. data, $"http://{Address(lab, box)}:8080{path}"]);
        var lines = result.Output.TrimEnd().Split('\n');
        return (int.Parse(lines[^1], System.Globalization.CultureInfo.InvariantCulture), string.Join('\n', lines[..^1]));
    }

    private static void WaitSettings(PairLab lab, string state, string? key, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        string got;
        do
        {
            got = string.Join("; ", new[] { "a", "b" }.Select(box => lab.PairOf(box) is { } pair ? $"{box} {pair.GetProperty("settings")}" : $"{box} unreachable"));
            var both = new[] { "a", "b" }.All(box => lab.PairOf(box) is { } pair && pair.GetProperty("settings") is var s
                && s.GetProperty("state").GetString() == state
                && (key is null || s.GetProperty("keys").EnumerateArray().Any(k => k.GetString() == key)));
            if (both) return;
            Thread.Sleep(500);
        }
        while (DateTime.UtcNow < until);
        Assert.Fail($"expected both boxes' settings {state}{(key is null ? "" : " with " + key)}; got {got}");
    }

    [TestMethod]
    public void ASettingChangedOnOneBoxIsShownOnBothAndCopiedToThePeer()
    {
        using var lab = new PairLab(Host.Prefix + "s1", "198.19.217");
        WaitSettings(lab, "same", null, TimeSpan.FromSeconds(20));

        var (changed, changeBody) = Call(lab, "a", "PUT", "/api/config", """{"set": {"health.rise": "4"}}""");
        Assert.AreEqual(200, changed, changeBody);
        WaitSettings(lab, "differ", "health.rise", TimeSpan.FromSeconds(20));
        Assert.IsTrue(lab.PairOf("b")!.Value.GetProperty("settings").GetProperty("keys").EnumerateArray().All(k => k.GetString() == "health.rise"),
            "only the shared key that changed: the boxes' own addresses, switches and files are not differences");

        var (copied, copyBody) = Call(lab, "a", "POST", "/api/pair/copy-settings");
        Assert.AreEqual(200, copied, copyBody);
        using (var copy = JsonDocument.Parse(copyBody))
        {
            Assert.IsTrue(copy.RootElement.GetProperty("accepted").GetBoolean(), copyBody);
            Assert.AreEqual(200, copy.RootElement.GetProperty("peer_status").GetInt32(), copyBody);
        }
        WaitSettings(lab, "same", null, TimeSpan.FromSeconds(20));

        var (read, readBody) = Call(lab, "b", "GET", "/api/config");
        Assert.AreEqual(200, read, readBody);
        using var config = JsonDocument.Parse(readBody);
        var values = config.RootElement.GetProperty("values");
        Assert.AreEqual("4", values.GetProperty("health.rise").GetString(), "box B has the new value");
        Assert.AreEqual($"{lab.Net}.7/24", values.GetProperty("bridge.management").GetString(), "box B kept its own address");
        Assert.AreEqual($"{lab.Name}-b", values.GetProperty("bridge.name").GetString(), "and its own switch");
        Assert.AreEqual($"http://{lab.Net}.6:8080", values.GetProperty("pair.peer_api").GetString(), "and its own peer");
        Assert.AreEqual("standby", lab.RoleOf("b"), "a copy moves no role");
        using var events = JsonDocument.Parse(Call(lab, "b", "GET", "/api/events").Body);
        var kinds = events.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        CollectionAssert.Contains(kinds, "pair_settings_differ");
        CollectionAssert.Contains(kinds, "pair_settings_same");
    }
}
