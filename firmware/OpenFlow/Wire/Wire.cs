namespace Appliance.OpenFlow;

/// <summary>Alignment rules shared by every structure.</summary>
public static class Wire
{
    /// <summary>OpenFlow pads variable-length structures to a multiple of 8 bytes.</summary>
    public static int Pad8(int length) => (length + 7) & ~7;
}
