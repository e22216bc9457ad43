using System.Diagnostics;

namespace Appliance.Integration.Tests;

/// <summary>
/// The active box's office port dying, the box otherwise alive (docs/pair.md, failure table): the standby still hears it
/// on the peer cable, so VRRP alone moves nothing; the box hands over by itself (VRRP bonus −50 while the port is down),
/// and when the port returns it is a standby with bonus 0.
/// </summary>
public sealed partial class PairTests
{
    [TestMethod]
    public void AnActiveBoxWhoseOfficePortDiesHandsOverAndStaysStandbyWhenItReturns()
    {
        using var lab = new PairLab(Host.Prefix + "o1", "198.19.226");
        // The office LAN switch's port to box A: box A's port 4 loses its carrier, as when its cable is pulled.
        var officeCable = $"{lab.Name}-la";

        var watch = new Stopwatch();
        var moved = TimeSpan.Zero;
        var report = lab.Stream(TimeSpan.FromSeconds(5), () =>
        {
            watch.Start();
            Sh.Check("ip", "link", "set", officeCable, "down");
            lab.WaitRoles("standby", "active", TimeSpan.FromSeconds(10));
            moved = watch.Elapsed;
        });

        Console.WriteLine($"office port down: box A standby {MoveTime(lab, "a", "pair_handover", "pair_standby")} ms after its handover (its events), roles seen swapped {moved.TotalMilliseconds:0} ms after the cable (polled); {Figures(report)}\n{report}");
        Assert.DoesNotContain("-> (end)", report, $"the VIP answers again, through box B\n{Diagnosis(lab)}");
        var a = lab.PairOf("a")!.Value;
        Assert.AreEqual("down", a.GetProperty("office").GetString(), a.ToString());
        StringAssert.StartsWith(a.GetProperty("fault").GetString(), "office port down: ", a.ToString());
        WaitBonus(lab, "a", -PairBonusActive);
        WaitBonus(lab, "b", PairBonusActive);
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));
        // Box A's API is behind its dead office port and a standby is silent in VRRP: box B has no standby that could serve.
        WaitFault(lab, "b", "peer lost: ", TimeSpan.FromSeconds(20));

        report = lab.Stream(TimeSpan.FromSeconds(5), () => Sh.Check("ip", "link", "set", officeCable, "up"));

        Console.WriteLine($"office port back: {Figures(report)}\n{report}");
        WaitBonus(lab, "a", 0);
        a = lab.PairOf("a")!.Value;
        Assert.AreEqual("up", a.GetProperty("office").GetString(), a.ToString());
        Assert.AreEqual(System.Text.Json.JsonValueKind.Null, a.GetProperty("fault").ValueKind, a.ToString());
        Assert.AreEqual("standby", lab.RoleOf("a"), "no failback between the boxes: manual");
        Assert.AreEqual("active", lab.RoleOf("b"));
        Assert.AreEqual(PairBonusActive, BonusOf(lab, "b"));
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));
        WaitFault(lab, "b", null, TimeSpan.FromSeconds(15));
    }

    /// <summary>Until the box's <c>pair.fault</c> starts with <paramref name="prefix"/>, or is null when that is null.</summary>
    private static void WaitFault(PairLab lab, string box, string? prefix, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        string? fault;
        do
        {
            var pair = lab.PairOf(box);
            fault = pair is { } p && p.GetProperty("fault").ValueKind == System.Text.Json.JsonValueKind.String ? p.GetProperty("fault").GetString() : null;
            if (pair is not null && (prefix is null ? fault is null : fault?.StartsWith(prefix, StringComparison.Ordinal) == true))
            {
                Console.WriteLine($"box {box}: fault {(fault ?? "none")} after {watch.ElapsedMilliseconds} ms");
                return;
            }
            Thread.Sleep(200);
        }
        while (watch.Elapsed < timeout);
        Assert.Fail($"box {box}: expected the fault {(prefix ?? "none")}, got {fault ?? "none"}\n{Sh.Run(Tool, "pair", "status", "--name", lab.Name)}");
    }
}
