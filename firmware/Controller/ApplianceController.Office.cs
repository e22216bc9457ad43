using Appliance.OpenFlow;
using Appliance.Policy;
using Appliance.Switch;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    /// <summary>
    /// A box of a pair tells the policy whether its office port has link (docs/pair.md, failure table): the bridge's
    /// ports that are neither a server's nor the internal one (port 4 on the box; with several, any one with link
    /// counts). A bridge with no such port tells nothing. The policy ignores a repeat.
    /// </summary>
    private void TellOfficeLink(ISwitchChannel session)
    {
        if (_config.Pair is null) return;
        var office = session.Ports.Values.Where(p => p.PortNo <= OfpPort.Max && _config.FindServerByPort(p.PortNo) is null).ToArray();
        if (office.Length == 0) return;
        Decide(new OfficeLinkChanged(Now, office.Any(p => p.IsLive)));
    }
}
