using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Manual failback between the boxes (docs/pair.md#manual-failback-between-the-boxes): a handover on
/// the active box and a takeover on the standby move the active role through keepalived's own
/// preemption, while a 1 kHz stream to the VIP runs.
/// </summary>
public sealed partial class PairTests
{
    [TestMethod]
    public void AHandoverAndATakeoverMoveTheVipBetweenTheBoxes()
    {
        using var lab = new PairLab(Host.Prefix + "f1", "198.19.215");

        var watch = new Stopwatch();
        var moved = TimeSpan.Zero;
        var report = lab.Stream(TimeSpan.FromSeconds(5), () =>
        {
            watch.Start();
            var (status, body) = PairPost(lab, "a", "handover");
            Assert.AreEqual(200, status, body);
            lab.WaitRoles("standby", "active", TimeSpan.FromSeconds(10));
            moved = watch.Elapsed;
        });
        Console.WriteLine($"handover: box A standby {MoveTime(lab, "a", "pair_handover", "pair_standby")} ms after the request (its events), roles seen swapped {moved.TotalMilliseconds:0} ms after the POST (polled); {Figures(report)}\n{report}");
        Assert.DoesNotContain("-> (end)", report, $"the VIP answers again, through box B\n{Diagnosis(lab)}");
        WaitBonus(lab, "b", PairBonusActive);
        WaitBonus(lab, "a", 0);
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));

        // The standby probes too; on this busy machine its probes can fail for a while, and a box with no
        // healthy server refuses to take over (AMoveThatCannotWorkIsRefusedWithAReason, unit-tested).
        WaitHealthyServer(lab, "a", TimeSpan.FromSeconds(30));
        report = lab.Stream(TimeSpan.FromSeconds(5), () =>
        {
            watch.Restart();
            var (status, body) = PairPost(lab, "a", "takeover");
            Assert.AreEqual(200, status, body);
            lab.WaitRoles("active", "standby", TimeSpan.FromSeconds(10));
            moved = watch.Elapsed;
        });
        Console.WriteLine($"takeover: box A active {MoveTime(lab, "a", "pair_takeover", "pair_active")} ms after the request (its events), roles seen swapped {moved.TotalMilliseconds:0} ms after the POST (polled); {Figures(report)}\n{report}");
        Assert.DoesNotContain("-> (end)", report, $"the VIP answers again, through box A\n{Diagnosis(lab)}");
        WaitBonus(lab, "a", PairBonusActive);
        WaitBonus(lab, "b", 0);
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));
    }

    [TestMethod]
    public void ATakeoverOnTheActiveBoxIsRefused()
    {
        using var lab = new PairLab(Host.Prefix + "f2", "198.19.216");

        var (status, body) = PairPost(lab, "a", "takeover");

        Assert.AreEqual(409, status, body);
        StringAssert.Contains(body, "this box is already active");
        var (handover, why) = PairPost(lab, "b", "handover");
        Assert.AreEqual(409, handover, why);
        StringAssert.Contains(why, "this box is already standby");
        Assert.AreEqual("active", lab.RoleOf("a"));
        Assert.AreEqual("standby", lab.RoleOf("b"));
        Assert.AreEqual(PairBonusActive, BonusOf(lab, "a"));
    }

    private const int PairBonusActive = 50;

    /// <summary>POST /api/pair/VERB on box <paramref name="box"/> with its token: the HTTP status and the body.</summary>
    private static (int Status, string Body) PairPost(PairLab lab, string box, string verb)
    {
        var token = File.ReadAllText($"/run/appliance-lab/{lab.Name}/box{box}/api.token").Trim();
        var address = $"{lab.Net}.{(box == "a" ? 6 : 7)}";
        var answer = lab.In($"box{box}", "curl", "-s", "-m", "5", "-X", "POST", "-H", $"Authorization: Bearer {token}", "-w", "\n%{http_code}",
            $"http://{address}:8080/api/pair/{verb}");
        Assert.AreEqual(0, answer.ExitCode, answer.ToString());
        var split = answer.Output.TrimEnd().LastIndexOf('\n');
        return (int.Parse(answer.Output[(split + 1)..].Trim(), CultureInfo.InvariantCulture), answer.Output[..split]);
    }

    /// <summary>The bonus the box's firmware wrote to keepalived's track file.</summary>
    private static int BonusOf(PairLab lab, string box) =>
        int.Parse(File.ReadAllText($"/run/appliance-lab/{lab.Name}/box{box}/active").Trim(), CultureInfo.InvariantCulture);

    /// <summary>Until the track file holds <paramref name="expected"/>: the follower writes it just after the role's decision.</summary>
    private static void WaitBonus(PairLab lab, string box, int expected)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (BonusOf(lab, box) != expected && DateTime.UtcNow < until) Thread.Sleep(50);
        Assert.AreEqual(expected, BonusOf(lab, box), $"box {box}'s bonus");
    }

    /// <summary>What the office LAN switch and the servers learned, and each box's rules for the VIP: to see where the VIP's traffic goes.</summary>
    private static string Diagnosis(PairLab lab) => string.Join('\n',
        Sh.Run(Tool, "pair", "status", "--name", lab.Name).Output,
        "office LAN fdb:", Sh.Run("bridge", "fdb", "show", "br", $"{lab.Name}-lan").Output,
        "master's bond0 fdb:", lab.In("master", "bridge", "fdb", "show", "br", "bond0").Output,
        "client's neighbours:", lab.In("client", "ip", "neigh").Output,
        "box a flows:", Sh.Run("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", $"{lab.Name}-a").Output,
        "box b flows:", Sh.Run("ovs-ofctl", "-O", "OpenFlow13", "dump-flows", $"{lab.Name}-b").Output);

    /// <summary>From the newest <paramref name="asked"/> event to the newest <paramref name="done"/> one on the box, in ms (the box's own clock).</summary>
    private static string MoveTime(PairLab lab, string box, string asked, string done)
    {
        var answer = lab.In($"box{box}", "curl", "-s", "-m", "2", $"http://{lab.Net}.{(box == "a" ? 6 : 7)}:8080/api/status");
        using var json = System.Text.Json.JsonDocument.Parse(answer.Output);
        var events = json.RootElement.GetProperty("events").EnumerateArray().ToList();
        DateTimeOffset? At(string kind) => events.FirstOrDefault(e => e.GetProperty("kind").GetString() == kind) is { ValueKind: System.Text.Json.JsonValueKind.Object } e
            ? e.GetProperty("time").GetDateTimeOffset() : null;
        return At(asked) is { } from && At(done) is { } to ? ((to - from).TotalMilliseconds).ToString("0.0", CultureInfo.InvariantCulture) : "?";
    }

    /// <summary>Until the box reports a healthy server (perhaps held down for flapping: the probes of a busy machine).</summary>
    private static void WaitHealthyServer(PairLab lab, string box, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        string seen;
        do
        {
            seen = lab.In($"box{box}", "curl", "-s", "-m", "2", $"http://{lab.Net}.{(box == "a" ? 6 : 7)}:8080/api/status").Output;
            if (seen.Contains("\"health\":\"up\"", StringComparison.Ordinal)) return;
            Thread.Sleep(250);
        }
        while (DateTime.UtcNow < until);
        Assert.Fail($"box {box} has no healthy server:\n{seen}");
    }

    private static string Figures(string report) =>
        $"lost {Lost(report)}, longest gap {Regex.Match(report, @"longest gap between answers: ([0-9.]+) ms").Groups[1].Value} ms";
}
