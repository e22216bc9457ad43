namespace Appliance.LabKit;

/// <summary>Open vSwitch's own tools, as the referee of what we put on the wire.</summary>
public static class Ovs
{
    /// <summary>
    /// What <c>ovs-ofctl ofp-print</c> makes of an OpenFlow 1.3 message, its complaints included:
    /// a decode error shows up in the text rather than as an exception.
    /// </summary>
    public static string OfpPrint(ReadOnlySpan<byte> message)
    {
        var result = Sh.Run("ovs-ofctl", "-O", "OpenFlow13", "ofp-print", Convert.ToHexStringLower(message));
        return result.Output + result.Error;
    }
}
