namespace Appliance.Integration.Tests;

/// <summary>
/// The box keeps correct time (issue 15): boot/…/appliance-time turns appliance.yml's time.ntp,
/// read through the firmware's own validator, and the DHCP lease's NTP servers into
/// systemd-timesyncd's drop-in, and restarts timesyncd only when that changed. Run with the box's
/// real scripts and firmware in a temporary folder; systemctl is a recorder.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class TimeSyncTests
{
    private const string Net = "198.19.152";
    private const string Pool = "FallbackNTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org 2.debian.pool.ntp.org 3.debian.pool.ntp.org\n";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ConfiguredServersAreUsedAloneAndTimesyncdRestartsOnlyOnAChange()
    {
        using var lab = Lab.Up("ts", Net);
        using var box = new BoxFolder(lab);
        try
        {
            Run(box);
            StringAssert.EndsWith(box.TimesyncdDropIn, "[Time]\nNTP=\n" + Pool, "no time section: DHCP's servers (none yet), then Debian's pool");
            Assert.AreEqual(1, Restarts(box));

            File.AppendAllText(box.Yml, "time:\n  ntp: [ntp.office.example, 198.19.152.9]\n");
            Run(box);
            StringAssert.EndsWith(box.TimesyncdDropIn, "[Time]\nNTP=ntp.office.example 198.19.152.9\nFallbackNTP=\n",
                "the office's own servers and nothing else");
            Assert.AreEqual(2, Restarts(box));

            Run(box);
            Assert.AreEqual(2, Restarts(box), "nothing changed: timesyncd keeps running undisturbed");

            // A file the firmware refuses changes nothing: the servers in use stay.
            var before = box.TimesyncdDropIn;
            File.AppendAllText(box.Yml, "bogus: 1\n");
            var refused = box.RunScript("appliance-time");
            Assert.AreEqual(0, refused.ExitCode, refused.ToString());
            StringAssert.Contains(refused.Error, "refused by appliance check: NTP servers unchanged");
            Assert.AreEqual(before, box.TimesyncdDropIn);
            Assert.AreEqual(2, Restarts(box));
        }
        finally
        {
            TestContext.WriteLine($"drop-in:\n{box.TimesyncdDropIn}\nsystemctl:\n{box.SystemctlCalls}");
        }
    }

    [TestMethod]
    public void OnlyAddressesFromAHostileLeaseReachTimesyncd()
    {
        using var lab = Lab.Up("ts", Net);
        using var box = new BoxFolder(lab);
        var hostile = $"{Net}.9 $(reboot) ntp.evil.example;id 300.1.1.1.1 {Net}.10 {Net}.11 {Net}.12 {Net}.13 {Net}.14";
        var result = box.RunScript("appliance-time", "--dhcp", hostile);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.EndsWith(box.TimesyncdDropIn, $"[Time]\nNTP={Net}.9 {Net}.10 {Net}.11 {Net}.12\n" + Pool, "IPv4 addresses only, four at most");
        StringAssert.Contains(result.Output, $"NTP {Net}.9 {Net}.10 {Net}.11 {Net}.12 (DHCP)");

        // The lease ends naming none: the pool alone.
        Run(box, "--dhcp", "");
        StringAssert.EndsWith(box.TimesyncdDropIn, "[Time]\nNTP=\n" + Pool);
    }

    private static void Run(BoxFolder box, params string[] args)
    {
        var result = box.RunScript("appliance-time", args);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
    }

    private static int Restarts(BoxFolder box) =>
        box.SystemctlCalls.Split('\n').Count(l => l == "try-restart systemd-timesyncd.service");
}
