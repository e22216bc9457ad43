namespace Appliance.Integration.Tests;

/// <summary>
/// The standby box dying (docs/pair.md, failure table): nothing changes for the office, and the active box, which hears
/// a standby on no path in any case (a VRRP backup is silent), shows the fault "peer lost" once the peer's API has not
/// answered two settings comparisons in a row.
/// </summary>
public sealed partial class PairTests
{
    [TestMethod]
    public void TheStandbyBoxDyingShowsPeerLostOnTheActiveBox()
    {
        using var lab = new PairLab(Host.Prefix + "o2", "198.19.227");
        WaitFault(lab, "a", null, TimeSpan.FromSeconds(15));

        lab.Pair("power-off", "b");

        WaitFault(lab, "a", "peer lost: ", TimeSpan.FromSeconds(20));
        Assert.AreEqual("active", lab.RoleOf("a"));
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));

        lab.Pair("power-on", "b");
        WaitFault(lab, "a", null, TimeSpan.FromSeconds(20));
        lab.WaitRoles("active", "standby", TimeSpan.FromSeconds(15));
    }
}
