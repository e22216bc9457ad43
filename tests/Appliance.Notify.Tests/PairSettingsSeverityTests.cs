using Appliance.Config;

namespace Appliance.Notify.Tests;

/// <summary>A pair's shared settings that differ are a fault: told as a warning; agreeing again is news only.</summary>
[TestClass]
public sealed class PairSettingsSeverityTests
{
    [TestMethod]
    public void ADifferenceIsAWarningAndTheReturnInfo()
    {
        Assert.AreEqual(NotifySeverity.Warning, Severities.Of("pair_settings_differ"));
        Assert.AreEqual(NotifySeverity.Info, Severities.Of("pair_settings_same"));
    }
}
