using Appliance.Config.Yaml;

namespace Appliance.Config;

/// <summary><c>panel:</c> the GPIO lines of the three LEDs and the button.</summary>
internal sealed partial class ConfigReader
{
    private static readonly (string Name, PanelDriver Value)[] DriverNames =
        [("auto", PanelDriver.Auto), ("libgpiod", PanelDriver.Libgpiod), ("sysfs", PanelDriver.Sysfs), ("simulated", PanelDriver.Simulated), ("none", PanelDriver.None)];

    private PanelConfig? ReadPanel(Section root)
    {
        Section panel = root.Child("panel");
        PanelDriver? driver = panel.Enum("driver", ConfigDefaults.Driver, DriverNames);
        int? chip = panel.Int("chip", ConfigDefaults.Chip, 0, int.MaxValue);
        Section leds = panel.Child("leds");
        Section button = panel.Child("button");
        int? masterLed = leds.Int("master", ConfigDefaults.MasterLed, 0, int.MaxValue);
        int? slaveLed = leds.Int("slave", ConfigDefaults.SlaveLed, 0, int.MaxValue);
        int? faultLed = leds.Int("fault", ConfigDefaults.FaultLed, 0, int.MaxValue);
        int? buttonPin = button.Int("pin", ConfigDefaults.ButtonPin, 0, int.MaxValue);
        bool? pullUp = button.Bool("pull_up", ConfigDefaults.ButtonPullUp);
        CheckPinsDistinct([(leds, "master", masterLed), (leds, "slave", slaveLed), (leds, "fault", faultLed), (button, "pin", buttonPin)]);
        if (driver is null || chip is null || masterLed is null || slaveLed is null || faultLed is null || buttonPin is null || pullUp is null)
        {
            return null;
        }
        return new PanelConfig(driver.Value, chip.Value, masterLed.Value, slaveLed.Value, faultLed.Value, buttonPin.Value, pullUp.Value);
    }

    private void CheckPinsDistinct(IEnumerable<(Section Sec, string Key, int? Pin)> pins)
    {
        var seen = new List<(Section Sec, string Key, int Pin, YNode? Node)>();
        // Report a clash on the pin written later in the file (a defaulted pin counts as "earlier").
        var ordered = pins
            .Where(p => p.Pin is not null)
            .Select(p => (p.Sec, p.Key, Pin: p.Pin!.Value, Node: p.Sec.Node(p.Key)))
            .OrderBy(p => p.Node is null ? 0 : 1)
            .ThenBy(p => p.Node?.Pos.Line ?? 0)
            .ThenBy(p => p.Node?.Pos.Column ?? 0)
            .ToList();
        foreach (var p in ordered)
        {
            var clash = seen.FirstOrDefault(q => q.Pin == p.Pin);
            if (clash.Sec is not null && p.Node is not null)
            {
                string other = clash.Sec.KeyPath(clash.Key);
                string where = clash.Node is null ? $"the default for {other}" : $"{other}, line {clash.Node.Pos.Line}";
                Error(p.Node.Pos, p.Sec.KeyPath(p.Key), $"pin {p.Pin} is already used by {where}; the three LEDs and the button need four different pins");
                continue;
            }
            seen.Add(p);
        }
    }
}
