namespace Appliance.Switch;

/// <summary>OpenFlow version negotiation (OF1.3.5 §6.3.2), for a controller that speaks 1.3 only.</summary>
public static class VersionNegotiation
{
    /// <summary>
    /// Whether a peer that sent this HELLO can talk OpenFlow 1.3 with us. With a version bitmap the
    /// bitmap decides; without one, the peer's header version is its highest, and 1.3 works when
    /// that is 1.3 or later.
    /// </summary>
    public static bool Accepts(byte headerVersion, Hello hello) =>
        hello.VersionBitmap != 0 ? hello.Supports(OfpHeader.Version13) : headerVersion >= OfpHeader.Version13;

    /// <summary>The HELLO_FAILED reply: its data is an ASCII explanation, as the spec asks.</summary>
    public static ErrorMsg Refusal(byte headerVersion) => new(
        OfpErrorCode.Of(OfpHelloFailedCode.Incompatible),
        System.Text.Encoding.ASCII.GetBytes($"this controller speaks OpenFlow 1.3 (wire version 4) only; peer offered version {headerVersion}"));
}
