namespace Appliance.OpenFlow.Tests;

internal static class Hex
{
    /// <summary>Parses hex written with any spacing, as the spec's byte diagrams are copied.</summary>
    public static byte[] Bytes(string hex) => Convert.FromHexString(new string([.. hex.Where(Uri.IsHexDigit)]));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
