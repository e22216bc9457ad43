using Appliance.Policy;

namespace Appliance.Controller.Tests;

/// <summary>keepalived's notify_fifo lines, as the firmware of a pair's box reads them (docs/pair.md).</summary>
[TestClass]
public sealed class KeepalivedLineTests
{
    [TestMethod]
    [DataRow("INSTANCE \"lan\" MASTER 150", "lan", VrrpState.Master)]
    [DataRow("INSTANCE \"peer\" BACKUP 100", "peer", VrrpState.Backup)]
    [DataRow("INSTANCE \"peer\" FAULT 100", "peer", VrrpState.Fault)]
    [DataRow("INSTANCE \"lan\" STOP 150", "lan", VrrpState.Init)]
    public void AnInstancesStateIsAPathsState(string line, string instance, VrrpState state)
    {
        Assert.IsTrue(KeepalivedLine.TryParse(line, out var parsedInstance, out var parsedState));
        Assert.AreEqual(instance, parsedInstance);
        Assert.AreEqual(state, parsedState);
    }

    [TestMethod]
    [DataRow("INSTANCE \"lan\" MASTER_RX_LOWER_PRI 150")]
    [DataRow("GROUP \"pair\" MASTER 0")]
    [DataRow("INSTANCE lan MASTER 150")]
    [DataRow("INSTANCE \"\" MASTER 150")]
    [DataRow("")]
    public void OtherLinesAreNotOurs(string line) => Assert.IsFalse(KeepalivedLine.TryParse(line, out _, out _));

    [TestMethod]
    public void AMasterThatHeardALowerPriorityNamesItsPath()
    {
        Assert.IsTrue(KeepalivedLine.TryParseLowerPriority("INSTANCE \"lan\" MASTER_RX_LOWER_PRI 150", out var instance));
        Assert.AreEqual("lan", instance);
    }

    [TestMethod]
    [DataRow("INSTANCE \"lan\" MASTER 150")]
    [DataRow("GROUP \"pair\" MASTER_RX_LOWER_PRI 0")]
    [DataRow("INSTANCE lan MASTER_RX_LOWER_PRI 150")]
    [DataRow("INSTANCE \"lan\" MASTER_RX_LOWER_PRIORITY 150")]
    [DataRow("")]
    public void OtherLinesTellNoLowerPriority(string line) => Assert.IsFalse(KeepalivedLine.TryParseLowerPriority(line, out _));
}
