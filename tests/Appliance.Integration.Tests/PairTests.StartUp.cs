namespace Appliance.Integration.Tests;

/// <summary>
/// A standby whose switch does not hold its rules yet (docs/pair.md, roles): the switch forwards none of the peer's
/// <c>lan</c> adverts, so keepalived there says MASTER while the active box is alive; with the peer cable cut as well,
/// the standby must not take over.
/// </summary>
public sealed partial class PairTests
{
    [TestMethod]
    public void AStandbyWhoseSwitchIsNotProgrammedDoesNotTakeOverWhenThePeerCableIsCut()
    {
        using var lab = new PairLab(Host.Prefix + "w1", "198.19.228");
        var bridge = $"{lab.Name}-b";
        var controller = $"unix:/var/run/openvswitch/appliance-{lab.Name}-b.sock";

        // Box B's firmware restarted without its switch, whose rules are gone: it forwards nothing.
        lab.Pair("stop", "b");
        Sh.Check("ovs-vsctl", "del-controller", bridge);
        lab.Pair("start", "b");
        lab.WaitStatus("b", s => s.GetProperty("pair").GetProperty("role").GetString() == "standby", "box B's API up", TimeSpan.FromSeconds(15));
        Sh.Check("ovs-ofctl", "-O", "OpenFlow13", "del-flows", bridge);
        lab.WaitStatus("b", s => PathState(s, "lan") == "master", "box B's keepalived hears nobody on the LAN", TimeSpan.FromSeconds(5));
        Assert.AreEqual(0, lab.In("boxb", "ip", "link", "set", "peer", "down").ExitCode);
        lab.WaitStatus("b", s => PathState(s, "peer") == "fault", "box B's peer cable is down", TimeSpan.FromSeconds(5));

        // Well past pair.settle (1 s): a box that took keepalived's word would be active beside box A now.
        Thread.Sleep(3000);
        System.Text.Json.JsonElement b = default;
        lab.WaitStatus("b", s => { b = s; return true; }, "box B's API answers", TimeSpan.FromSeconds(5));
        Assert.IsFalse(b.GetProperty("switch").GetProperty("programmed").GetBoolean(), b.ToString());
        Assert.AreEqual("standby", b.GetProperty("pair").GetProperty("role").GetString(), b.ToString());
        Assert.AreEqual("active", lab.RoleOf("a"));

        // The switch back: it takes box B's rules, box A's adverts reach keepalived, and box B stays standby.
        Sh.Check("ovs-vsctl", "set-controller", bridge, controller);
        Sh.Check("ovs-vsctl", "set", "controller", bridge, "max_backoff=1000");
        lab.WaitStatus("b", s => s.GetProperty("switch").GetProperty("programmed").GetBoolean() && PathState(s, "lan") == "backup",
            "box B programmed and hearing box A on the LAN", TimeSpan.FromSeconds(15));
        Thread.Sleep(2000);
        Assert.AreEqual("standby", lab.RoleOf("b"));
        Assert.AreEqual("active", lab.RoleOf("a"));
        lab.WaitVipAnswers(TimeSpan.FromSeconds(10));
    }

    private static string? PathState(System.Text.Json.JsonElement status, string path) =>
        status.GetProperty("pair").GetProperty("paths").GetProperty(path).GetString();
}
