using Appliance.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Appliance.Controller.Tests;

/// <summary>The follower writes the policy's bonus to keepalived's track file, whole, whenever it changes (docs/pair.md).</summary>
[TestClass]
public sealed class KeepalivedFollowerTests
{
    [TestMethod]
    public async Task TheTrackFileFollowsThePolicysBonusThroughATakeover()
    {
        var folder = Directory.CreateTempSubdirectory("follower-");
        try
        {
            var track = Path.Combine(folder.FullName, "active");
            await using var rig = new ControllerRig(failback: "manual");
            var controller = rig.Start();
            // No FIFO there: the follower's reader retries in the background; the test tells the paths itself.
            await using var follower = new KeepalivedFollower(new Config.PairConfig(Path.Combine(folder.FullName, "absent.fifo"), track, TimeSpan.Zero),
                controller, NullLogger<KeepalivedFollower>.Instance);
            follower.Start();
            controller.StartPair(["lan", "peer"], TimeSpan.Zero, wasActive: false);
            await rig.AdoptAsync();
            controller.ReportPairPath("lan", VrrpState.Backup);
            controller.ReportPairPath("peer", VrrpState.Backup);
            await rig.FlushAsync();
            Assert.AreEqual($"{PairBonus.Standby}\n", File.ReadAllText(track));

            var asked = await controller.PairMoveAsync(PairMoveKind.Takeover, "test");
            await rig.FlushAsync();
            Assert.IsTrue(asked.Accepted, asked.Message);
            Assert.AreEqual($"{PairBonus.Takeover}\n", File.ReadAllText(track), "keepalived here must preempt");
            Assert.IsTrue(KeepalivedFollower.WasActive(new Config.PairConfig("", track, TimeSpan.Zero)), "a firmware restarted during a takeover stays active");

            controller.ReportPairPath("lan", VrrpState.Master);
            controller.ReportPairPath("peer", VrrpState.Master);
            await rig.FlushAsync();
            Assert.AreEqual(PairRole.Active, controller.Status.Pair!.Role);
            Assert.AreEqual($"{PairBonus.Active}\n", File.ReadAllText(track));
            Assert.IsFalse(File.Exists(track + ".new"), "replaced whole, nothing left over");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
