using Appliance.OpenFlow;
using Appliance.Policy;
using Appliance.Switch;

namespace Appliance.Controller;

public sealed partial class ApplianceController
{
    /// <summary>
    /// Tells the policy whether the office port has link (a box of a pair hands over without it: docs/pair.md, failure
    /// table): the bridge's ports that are neither a server's nor the internal one (port 4 on the box; with several, any
    /// one with link counts). A bridge with no such port tells nothing. The policy ignores a repeat, and a box on its own
    /// the whole input.
    /// </summary>
    private void TellOfficeLink(ISwitchChannel session)
    {
        var office = session.Ports.Values.Where(p => p.PortNo <= OfpPort.Max && _config.FindServerByPort(p.PortNo) is null).ToArray();
        if (office.Length == 0) return;
        Decide(new OfficeLinkChanged(Now, office.Any(p => p.IsLive)));
    }
}
