using System.Buffers.Binary;

namespace Appliance.OpenFlow.Tests;

/// <summary>
/// Mutated and random bytes never make the decoder throw. Every message is decoded from a slice of
/// a larger buffer full of noise: spans are bounds-checked, so reading past the message would throw,
/// and "never throws" therefore also proves "never reads past the message".
/// </summary>
[TestClass]
public sealed class FuzzTests
{
    private const int IterationsPerSeed = 1500;

    private static IEnumerable<byte[]> Seeds()
    {
        foreach (var sample in Sample.All()) yield return sample.Bytes;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Captured"), "*.hex"))
        {
            yield return Hex.Bytes(File.ReadAllText(file));
        }
    }

    [TestMethod]
    public void MutatedMessagesNeverThrow()
    {
        var random = new Random(42);
        var decoded = 0;
        var rejected = 0;
        foreach (var seed in Seeds())
        {
            for (var i = 0; i < IterationsPerSeed; i++)
            {
                var message = Mutate(seed, random);
                if (Decode(message, random)) decoded++;
                else rejected++;
            }
        }
        // Both outcomes must occur, or the mutations are not reaching the decoder's depths.
        Assert.IsGreaterThan(1000, decoded, $"{decoded} decoded");
        Assert.IsGreaterThan(1000, rejected, $"{rejected} rejected");
    }

    [TestMethod]
    public void RandomBytesNeverThrow()
    {
        var random = new Random(7);
        for (var i = 0; i < 50_000; i++)
        {
            var message = new byte[random.Next(0, 200)];
            random.NextBytes(message);
            if (message.Length >= 4)
            {
                // Make the header plausible so the body decoders are reached, not just the header check.
                message[0] = OfpHeader.Version13;
                message[1] = (byte)random.Next(0, 30);
                BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)message.Length);
            }
            Decode(message, random);
        }
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var message = (byte[])seed.Clone();
        switch (random.Next(5))
        {
            case 0:
                for (var n = random.Next(1, 5); n > 0; n--) message[random.Next(message.Length)] = (byte)random.Next(256);
                break;
            case 1:
                // Lengths are where decoders go wrong: put boundary values into a random 16-bit word.
                if (message.Length >= 10)
                {
                    var at = random.Next(8, message.Length - 1);
                    ushort[] values = [0, 1, 4, 7, 8, 0xfff8, 0xffff, (ushort)message.Length, (ushort)(message.Length - at), (ushort)(message.Length - at + 8)];
                    BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(at), values[random.Next(values.Length)]);
                }
                break;
            case 2:
                message = message[..random.Next(OfpHeader.Size, message.Length + 1)];
                FixLength(message);
                break;
            case 3:
                var longer = new byte[message.Length + random.Next(1, 40)];
                message.CopyTo(longer, 0);
                random.NextBytes(longer.AsSpan(message.Length));
                message = longer;
                FixLength(message);
                break;
            default:
                for (var n = random.Next(1, 3); n > 0; n--) message[random.Next(message.Length)] ^= (byte)(1 << random.Next(8));
                break;
        }
        return message;
    }

    private static void FixLength(byte[] message) => BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)message.Length);

    private static bool Decode(byte[] message, Random random)
    {
        var padding = random.Next(0, 64);
        var buffer = new byte[padding + message.Length + 64];
        random.NextBytes(buffer);
        message.CopyTo(buffer, padding);
        var slice = buffer.AsMemory(padding, message.Length);
        try
        {
            return OfpPrinter.TryDescribe(slice, out _, out _);
        }
        catch (Exception e)
        {
            Assert.Fail($"decoder threw on {Hex.Of(message)}: {e}");
            return false;
        }
    }
}
