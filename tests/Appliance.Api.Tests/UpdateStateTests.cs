using Appliance.Policy;

namespace Appliance.Api.Tests;

/// <summary>The update component's pure parts: RAUC's output read line by line, the operation's states and events, os-release, rauc status.</summary>
[TestClass]
public sealed class UpdateStateTests
{
    /// <summary>What <c>rauc install</c> of RAUC 1.8 printed on this machine for a good bundle (standard output, then error).</summary>
    private static readonly string[] Succeeded =
    [
        "installing", "  0% Installing", "  0% Determining slot states", " 20% Determining slot states done.", " 20% Checking bundle",
        " 20% Verifying signature", " 40% Verifying signature done.", " 40% Checking bundle done.", " 40% Checking manifest contents",
        " 60% Checking manifest contents done.", " 60% Determining target install group", " 80% Determining target install group done.",
        " 80% Updating slots", " 80% Checking slot rootfs.1", " 90% Checking slot rootfs.1 done.", " 90% Copying image to rootfs.1",
        " 99% Copying image to rootfs.1 done.", " 99% Updating slots done.", "100% Installing done.", "idle", "Installing `/tmp/rx/good.raucb` succeeded",
    ];

    /// <summary>… and for a bundle signed by another key.</summary>
    private static readonly string[] Refused =
    [
        "installing", "  0% Installing", "  0% Determining slot states", " 20% Determining slot states done.", " 20% Checking bundle",
        " 20% Verifying signature", " 40% Verifying signature failed.", " 40% Checking bundle failed.", "100% Installing failed.",
        "LastError: signature verification failed: Verify error: self-signed certificate", "Installing `/tmp/rx/other.raucb` failed",
    ];

    [TestMethod]
    public void StepsErrorsAndNoise()
    {
        Assert.AreEqual(new RaucLine(40, "Verifying signature done.", null), RaucOutput.Parse(" 40% Verifying signature done."));
        Assert.AreEqual(new RaucLine(100, "Installing done.", null), RaucOutput.Parse("100% Installing done."));
        Assert.AreEqual(new RaucLine(0, "Installing", null), RaucOutput.Parse("  0% Installing"));
        Assert.AreEqual(new RaucLine(null, null, "Invalid bundle format: Signature size (17479077882992470169) exceeds bundle size"),
            RaucOutput.Parse("LastError: Invalid bundle format: Signature size (17479077882992470169) exceeds bundle size"));
        Assert.IsNull(RaucOutput.Parse("installing"));
        Assert.IsNull(RaucOutput.Parse("idle"));
        Assert.IsNull(RaucOutput.Parse("Installing `/x.raucb` succeeded"));
        Assert.IsNull(RaucOutput.Parse("LastError: "));
        Assert.IsNull(RaucOutput.Parse("40% "), "a step without words is no step");
        Assert.IsNull(RaucOutput.Parse("rauc-Message: 13:01:20.923: Using central status file /tmp/rx/data/central.raucs"));
        Assert.AreEqual(100, RaucOutput.Parse("250% Beyond")!.Value.Percent, "clamped");
    }

    [TestMethod]
    public void TheReasonIsTheLastLineThatIsNotRaucsLog()
    {
        Assert.AreEqual("signature verification failed: Verify error: self-signed certificate", RaucOutput.Reason([
            "rauc-Message: 13:01:20.987: Using central status file /tmp/rx/data/central.raucs",
            "rauc-Message: 13:01:20.987: Reading bundle: /tmp/rx/other.raucb",
            "signature verification failed: Verify error: self-signed certificate",
            "(rauc:4592): rauc-WARNING **: 13:01:16.858: Failed getting primary slot: …",
        ]));
        Assert.AreEqual("No such file: /tmp/rx/nonexist.raucb", RaucOutput.Reason(["rauc-Message: …", "No such file: /tmp/rx/nonexist.raucb", ""]));
        Assert.IsNull(RaucOutput.Reason(["Installing `/x.raucb` failed", "rauc-Message: x"]));
        Assert.AreEqual("rootfs.1", RaucOutput.TargetSlot("Copying image to rootfs.1 done."));
        Assert.AreEqual("rootfs.1", RaucOutput.TargetSlot("Checking slot rootfs.1"));
        Assert.IsNull(RaucOutput.TargetSlot("Updating slots done."));
    }

    [TestMethod]
    public void AnInstallFromReceivingToInstalled()
    {
        var receiving = UpdateState.Idle.Begin(UpdateOperation.Receiving, 1000, "receiving the bundle")!;
        Assert.IsTrue(receiving.Busy);
        Assert.IsNull(receiving.Begin(UpdateOperation.Downloading, null, "again"), "one operation at a time");
        Assert.AreEqual(25, receiving.Received(250).Progress);
        Assert.AreEqual(0, UpdateState.Idle.Begin(UpdateOperation.Downloading, null, "d")!.Received(250).Progress, "of an unknown total: 0");
        var state = receiving.Received(1000).Checking();
        Assert.AreEqual(UpdateOperation.Installing, state.Operation);
        state = state.Installing(new BundleInfo("2", "appliance-amd64"));
        var progress = new List<int>();
        foreach (var line in Succeeded)
        {
            if (RaucOutput.Parse(line) is { } parsed) state = state.With(parsed);
            progress.Add(state.Progress);
        }
        CollectionAssert.AreEqual(progress.Order().ToList(), progress, "progress never goes back");
        Assert.AreEqual("Installing done.", state.Message);
        Assert.AreEqual("rootfs.1", state.Target);
        var (installed, e) = state.Finished(0, null);
        Assert.AreEqual(UpdateOperation.Installed, installed.Operation);
        Assert.IsTrue(installed.RebootNeeded);
        Assert.IsFalse(installed.Busy);
        Assert.AreEqual(1000, installed.Bytes);
        Assert.AreEqual(new UpdateEvent(EventKind.UpdateInstalled, "update 2 installed into rootfs.1; it runs after a reboot"), e);
        Assert.AreEqual("installed", installed.OperationName);

        // A later operation that fails keeps the reboot the first one needs.
        var (failed, _) = installed.Begin(UpdateOperation.Receiving, null, "r")!.Checking().Failed("no");
        Assert.IsTrue(failed.RebootNeeded);
        Assert.IsNull(installed.Begin(UpdateOperation.Receiving, null, "r")!.Bundle, "a new operation forgets the last bundle");
    }

    [TestMethod]
    public void ARefusedInstallFailsWithRaucsLastError()
    {
        var state = UpdateState.Idle.Begin(UpdateOperation.Receiving, null, "r")!.Checking().Installing(new BundleInfo("3", "appliance-amd64"));
        foreach (var line in Refused)
        {
            if (RaucOutput.Parse(line) is { } parsed) state = state.With(parsed);
        }
        var (failed, e) = state.Finished(1, "Installing `/tmp/rx/other.raucb` failed");
        Assert.AreEqual(UpdateOperation.Failed, failed.Operation);
        Assert.AreEqual("signature verification failed: Verify error: self-signed certificate", failed.Error);
        Assert.IsFalse(failed.RebootNeeded);
        Assert.AreEqual(EventKind.UpdateFailed, e.Kind);
        Assert.AreEqual("update 3 failed: signature verification failed: Verify error: self-signed certificate; the running system is unchanged", e.Message);

        // Without LastError: what rauc wrote on standard error, else its exit code.
        var bare = UpdateState.Idle.Begin(UpdateOperation.Receiving, null, "r")!.Checking();
        Assert.AreEqual("cannot connect to D-Bus", bare.Finished(1, "cannot connect to D-Bus").State.Error);
        Assert.AreEqual("rauc install ended with code 2", bare.Finished(2, null).State.Error);
        Assert.AreEqual("update failed: x; the running system is unchanged", bare.Failed("x").Event.Message);
        // Lines after the end change nothing.
        Assert.AreEqual(UpdateState.Idle, UpdateState.Idle.With(new RaucLine(50, "late", null)));
    }

    [TestMethod]
    public void TheSystemVersionAndTheSlots()
    {
        Assert.AreEqual("2", UpdatePaths.ImageVersion("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nIMAGE_ID=appliance\nIMAGE_VERSION=\"2\"\n"));
        Assert.AreEqual("2026.12.1", UpdatePaths.ImageVersion("IMAGE_VERSION=2026.12.1"));
        Assert.AreEqual("3", UpdatePaths.ImageVersion("IMAGE_VERSION='3'"));
        Assert.IsNull(UpdatePaths.ImageVersion("ID=debian\nVERSION_ID=\"12\"\n"), "a lab host has none");
        Assert.IsNull(UpdatePaths.ImageVersion("IMAGE_VERSION=\"\""));

        // rauc status --detailed --output-format=json of RAUC 1.8 after an install into rootfs.1.
        var status = RaucStatus.Parse("""
            {"compatible":"appliance-amd64","variant":"","booted":"A","boot_primary":null,"slots":[
             {"rootfs.1":{"class":"rootfs","device":"/tmp/rx/slotB.img","type":"raw","bootname":"B","state":"inactive","parent":null,"mountpoint":null,"boot_status":"bad",
               "slot_status":{"bundle":{"compatible":"appliance-amd64","version":"2"},"checksum":{"sha256":"8351","size":8388608},"installed":{"timestamp":"2026-12-02T13:01:17Z","count":1},"status":"ok"}}},
             {"rootfs.0":{"class":"rootfs","device":"/tmp/rx/slotA.img","type":"raw","bootname":"A","state":"booted","parent":null,"mountpoint":null,"boot_status":"good","slot_status":{"bundle":{"compatible":null}}}}]}
            """)!;
        Assert.AreEqual("appliance-amd64", status.Compatible);
        Assert.AreEqual("A", status.Booted);
        Assert.AreEqual(new UpdateSlotDocument("rootfs.0", "A", true, "good", null, null), status.Slots[0]);
        Assert.AreEqual(new UpdateSlotDocument("rootfs.1", "B", false, "bad", "2", "2026-12-02T13:01:17Z"), status.Slots[1]);
        Assert.IsNull(RaucStatus.Parse("Error retrieving slot status via D-Bus"));
        Assert.IsEmpty(RaucStatus.Parse("{}")!.Slots);
    }
}
