namespace Appliance.Switch.Tests;

/// <summary>The text answer of dpctl/ct-get-limits: counts only where they mean something, and nothing from an answer we do not understand.</summary>
[TestClass]
public sealed class ConntrackLimitsTests
{
    /// <summary>As ovs-vswitchd 3.1 (userspace datapath) answers <c>zone=3000,3001,3002</c> with limits on the first two.</summary>
    private const string Answer = "default limit=0\nzone=3000,limit=5,count=2\nzone=3001,limit=5,count=0\nzone=3002,limit=0,count=0\n";

    [TestMethod]
    public void AZoneWithALimitHasItsCount()
    {
        var limits = ConntrackLimits.Parse(Answer);

        Assert.AreEqual(0U, limits.DefaultLimit);
        Assert.AreEqual(new ConntrackZoneLimit(3000, 5, 2), limits.Zones[3000]);
        Assert.AreEqual(2U, limits.CountOf(3000));
        Assert.AreEqual(0U, limits.CountOf(3001), "none is a count too");
    }

    [TestMethod]
    public void AZoneWithoutALimitOrNotListedIsUnknown()
    {
        var limits = ConntrackLimits.Parse(Answer);

        Assert.IsNull(limits.CountOf(3002), "limit 0: the datapath keeps no count for it");
        Assert.IsNull(limits.CountOf(3003), "not in the answer");
        Assert.IsNull(ConntrackLimits.Parse("default limit=0\n").CountOf(3000), "an answer listing no zone");
    }

    [TestMethod]
    public void TheLargestNumbersOvsPrintsAreRead()
    {
        var limits = ConntrackLimits.Parse("default limit=4294967295\nzone=65535,limit=4294967295,count=4294967295");

        Assert.AreEqual(uint.MaxValue, limits.DefaultLimit);
        Assert.AreEqual(uint.MaxValue, limits.CountOf(65535));
    }

    [TestMethod]
    [DataRow("", "no \"default limit=N\" line", DisplayName = "empty")]
    [DataRow("\n\n", "no \"default limit=N\" line", DisplayName = "empty lines")]
    [DataRow("zone=100,limit=5,count=1\n", "line 1 is not \"default limit=N\"", DisplayName = "no default line first")]
    [DataRow("default limit=\n", "line 1", DisplayName = "default without a number")]
    [DataRow("default limit=-1\n", "line 1", DisplayName = "negative default")]
    [DataRow("default limit=4294967296\n", "line 1", DisplayName = "default past 32 bits")]
    [DataRow("default limit=0\nzone=100,limit=5,count=4294967296", "line 2 is not \"zone=Z,limit=L,count=C\"", DisplayName = "count past 32 bits")]
    [DataRow("default limit=0\nzone=100,limit=5,count=99999999999999999999999999999999", "line 2", DisplayName = "huge count")]
    [DataRow("default limit=0\nzone=65536,limit=5,count=1", "line 2", DisplayName = "zone past 16 bits")]
    [DataRow("default limit=0\nzone=100,limit=5,count=-1", "line 2", DisplayName = "negative count")]
    [DataRow("default limit=0\nzone=100,limit=5,count=+1", "line 2", DisplayName = "signed count")]
    [DataRow("default limit=0\nzone=100,limit=5,count= 1", "line 2", DisplayName = "space in a number")]
    [DataRow("default limit=0\nzone=100,limit=5,count=1 ", "line 2", DisplayName = "trailing space")]
    [DataRow("default limit=0\nzone=100,limit=5,count=0x10", "line 2", DisplayName = "hex count")]
    [DataRow("default limit=0\nzone=100,limit=5", "line 2", DisplayName = "no count")]
    [DataRow("default limit=0\nzone=100,limit=5,count=1,extra=2", "line 2", DisplayName = "a field more")]
    [DataRow("default limit=0\nzone=100,count=1,limit=5", "line 2", DisplayName = "fields out of order")]
    [DataRow("default limit=0\nZONE=100,LIMIT=5,COUNT=1", "line 2", DisplayName = "other case")]
    [DataRow("default limit=0\r\nzone=100,limit=5,count=1", "line 1", DisplayName = "CRLF")]
    [DataRow("default limit=0\nzone=100,limit=5,count=1\n\u001b[2Jgarbage", "line 3", DisplayName = "garbage after the zones")]
    [DataRow("default limit=0\ndefault limit=0", "line 2", DisplayName = "default twice")]
    [DataRow("default limit=0\nzone=100,limit=5,count=1\nzone=100,limit=5,count=9", "zone 100 is listed twice", DisplayName = "a zone twice")]
    public void AnAnswerNotUnderstoodIsRefusedWhole(string text, string why)
    {
        var thrown = Assert.ThrowsExactly<UnixctlException>(() => ConntrackLimits.Parse(text));

        StringAssert.StartsWith(thrown.Message, "ovs-vswitchd's answer to dpctl/ct-get-limits is not understood: ");
        StringAssert.Contains(thrown.Message, why);
        Assert.DoesNotContain("\u001b", thrown.Message, "the answer's text is not repeated");
    }

    [TestMethod]
    public void TheZonesAreAskedForInOneArgument()
    {
        Assert.AreEqual("zone=100,101,102", ConntrackLimits.ZoneArgument([100, 101, 102]));
        Assert.AreEqual("zone=7", ConntrackLimits.ZoneArgument([7]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ConntrackLimits.ZoneArgument([]), "no zone would ask for every zone with a limit");
    }
}
