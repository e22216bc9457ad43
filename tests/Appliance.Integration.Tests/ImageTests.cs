namespace Appliance.Integration.Tests;

/// <summary>
/// What of the image (issue: flashable image) fits in CI: the recipe renders, flashing refuses the
/// wrong disks and writes the right bytes, update bundles are signed and carry what they say, the
/// Pi's boot script and the trial's view of the boot loaders choose the right slot, and
/// the firmware publishes for both architectures and runs. Building and booting the image takes minutes of emulation and runs by hand (docs/image.md).
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class ImageTests
{
    [TestMethod]
    public void TheRecipeAndUnitsCheckOut()
    {
        var result = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/image"), "check");
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output + result.Error, "recipe ok for amd64");
        StringAssert.Contains(result.Output + result.Error, "recipe ok for arm64");
    }

    [TestMethod]
    public void FlashingRefusesMountedAndSystemDisksAndWritesTheImage()
    {
        var result = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/image.d/flash-test.sh"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, " 0 failed", result.ToString());
    }

    [TestMethod]
    public void UpdateBundlesAreSignedAndCarryTheVersionAndFirmwareGiven()
    {
        var result = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/image.d/bundle-test.sh"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "11 passed, 0 failed", result.ToString());
    }

    [TestMethod]
    public void ThePiBootScriptChoosesTheSlotCountsBootsAndFallsBack()
    {
        // real U-Boot (Debian's qemu_arm64 build) runs the Pi image's boot.scr on QEMU's virt board
        var result = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/image.d/pi-boot-test.sh"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "18 passed, 0 failed", result.ToString());
    }

    [TestMethod]
    public void TheTrialReadsAndRepairsTheSlotStateOfGrubAndUBoot()
    {
        var result = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/image.d/boot-state-test.sh"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "24 passed, 0 failed", result.ToString());
    }

    [TestMethod]
    public void TheTrialKeepsRollsBackAndReportsOnceWithGrubAndUBoot()
    {
        var result = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/image.d/trial-test.sh"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Output, "18 passed, 0 failed", result.ToString());
    }

    [TestMethod]
    [DataRow("amd64", "linux-x64")]
    [DataRow("arm64", "linux-arm64")]
    public void TheFirmwarePublishesSelfContainedAndSmallEnough(string arch, string rid)
    {
        var result = Sh.Run(Path.Combine(Sh.RepositoryRoot, "tools/publish"), arch);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var binary = new FileInfo(Path.Combine(Sh.RepositoryRoot, "artifacts/publish", rid, "appliance"));
        Assert.IsTrue(binary.Exists, result.ToString());
        Assert.IsLessThan(30L << 20, binary.Length, "the firmware fits the 30 MB budget");
        Assert.DoesNotContain("warning IL", result.Output.Replace("IL2091", "", StringComparison.Ordinal), "no trim or AOT warnings of our own");
        if (arch == "amd64")
        {
            var check = Sh.Run(binary.FullName, "check", "--config", Path.Combine(Sh.RepositoryRoot, "firmware/Config/examples/appliance.yml"));
            Assert.AreEqual(0, check.ExitCode, check.ToString());
            StringAssert.Contains(check.Output, "VIP: look up the connection's pin");
        }
    }
}
