namespace Appliance.OpenFlow.Tests;

[TestClass]
public sealed class RoundTripTests
{
    public static IEnumerable<object[]> Samples => Sample.All().Select(s => new object[] { s });

    [TestMethod]
    [DynamicData(nameof(Samples))]
    public void DecodeGivesBackWhatWasEncoded(Sample sample) => Assert.IsTrue(sample.DecodesToSame(sample.Bytes), sample.Name);

    [TestMethod]
    [DynamicData(nameof(Samples))]
    public void PrinterDescribesEverySample(Sample sample)
    {
        Assert.IsTrue(OfpPrinter.TryDescribe(sample.Bytes, out var text, out var error), error.ToString());
        Assert.IsFalse(string.IsNullOrWhiteSpace(text));
    }

    [TestMethod]
    [DynamicData(nameof(Samples))]
    public void LengthFieldIsTheEncodedLength(Sample sample)
    {
        Assert.IsTrue(OfpHeader.TryRead(sample.Bytes, out var header));
        Assert.AreEqual(sample.Bytes.Length, header.Length);
        Assert.AreEqual(OfpHeader.Version13, header.Version);
        Assert.AreEqual(0x1234u, header.Xid);
    }

    [TestMethod]
    [DynamicData(nameof(Samples))]
    public void EveryTruncationIsRefusedWithBadLen(Sample sample)
    {
        for (var length = 0; length < sample.Bytes.Length; length++)
        {
            var cut = sample.Bytes.AsMemory(0, length);
            Assert.IsFalse(sample.DecodesToSame(cut), $"{sample.Name} decoded from {length} bytes");
            Assert.IsFalse(OfpPrinter.TryDescribe(cut, out _, out var error));
            // The header still says the full length, so every cut is a length error.
            if (length >= OfpHeader.Size) Assert.AreEqual(OfpErrorCode.Of(OfpBadRequestCode.BadLen), error.Code, $"{sample.Name} cut at {length}");
        }
    }
}
