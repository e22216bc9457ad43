namespace Appliance.Integration.Tests;

/// <summary>
/// keepalived dying on the active box (docs/pair.md, failure table): the standby stops hearing the
/// box and takes over, and the firmware of the box whose keepalived died must give up the active
/// role (its notify_fifo closes), or both boxes would be active.
/// </summary>
public sealed partial class PairTests
{
    [TestMethod]
    public void KeepalivedDyingOnTheActiveBoxLeavesOneActiveBoxAndTheVipAnswers()
    {
        using var lab = new PairLab(Host.Prefix + "b1", "198.19.219");
        var state = $"/run/appliance-lab/{lab.Name}/boxa";

        var report = lab.Stream(TimeSpan.FromSeconds(4), () =>
        {
            // The main process first, so that it does not start a new VRRP child in between.
            foreach (var file in new[] { "keepalived.pid", "keepalived-vrrp.pid" })
            {
                Sh.Check("kill", "-KILL", File.ReadAllText(Path.Combine(state, file)).Trim());
            }
        });

        Console.WriteLine(report);
        lab.WaitRoles("standby", "active", TimeSpan.FromSeconds(10));
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));
        var a = lab.PairOf("a")!.Value;
        Assert.AreEqual("unknown", a.GetProperty("peer").GetString(), $"box A hears nothing without keepalived: {a}");
    }
}
