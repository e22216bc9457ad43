using Appliance.Config;
using static Appliance.Config.Tests.TestSupport;

namespace Appliance.Config.Tests;

/// <summary><c>pair:</c> this box is one of two that work as one (docs/pair.md).</summary>
[TestClass]
public sealed class PairConfigTests
{
    [TestMethod]
    public void ABoxOnItsOwnHasNoPair() => Assert.IsNull(Parse(Minimal).Pair);

    [TestMethod]
    public void TheFifoAndTrackFileWithTheDefaultSettle()
    {
        var pair = Parse(WithMinimal("pair: { notify_fifo: /run/appliance/keepalived.fifo, track_file: /run/appliance/pair-active }")).Pair!;

        Assert.AreEqual("/run/appliance/keepalived.fifo", pair.NotifyFifo);
        Assert.AreEqual("/run/appliance/pair-active", pair.TrackFile);
        Assert.AreEqual(TimeSpan.FromSeconds(1), pair.Settle);
        Assert.AreEqual(TimeSpan.FromMilliseconds(500), Parse(WithMinimal("pair: { notify_fifo: /a, track_file: /b, settle: 500ms }")).Pair!.Settle);
    }

    [TestMethod]
    public void MissingOrRelativePathsAreRefusedWithTheirPlace()
    {
        AssertSingle(WithMinimal("pair: { track_file: /b }"), 6, 7, "pair.notify_fifo", "required key missing");
        AssertSingle(WithMinimal("pair: { notify_fifo: fifo, track_file: /b }"), 6, 22, "pair.notify_fifo", "must be an absolute path");
        AssertSingle(WithMinimal("pair: { notify_fifo: /a, track_file: /b, setle: 1s }"), 6, 42, "pair.setle", "unknown key \"setle\"; did you mean \"settle\"?");
    }
}
