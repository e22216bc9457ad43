namespace Appliance.OpenFlow.Tests;

/// <summary>
/// What we encode, Open vSwitch must decode into the text it would print for the same message.
/// Runs the real <c>ovs-ofctl ofp-print</c>; CI installs Open vSwitch before the tests.
/// </summary>
[TestClass]
public sealed class OvsCrossCheckTests
{
    public static IEnumerable<object[]> Samples => Sample.All().Select(s => new object[] { s });

    [TestMethod]
    [DynamicData(nameof(Samples))]
    public void OvsDecodesOurEncoding(Sample sample)
    {
        var printed = Ovs.OfpPrint(sample.Bytes);
        Assert.DoesNotContain("decode error", printed, printed);
        Assert.DoesNotContain("***", printed, printed);
        foreach (var line in sample.OvsLines) Assert.Contains(line, printed, $"expected «{line}» in:\n{printed}");
    }
}
