using System.Text.RegularExpressions;

namespace Appliance.Integration.Tests;

/// <summary>
/// Waiting for a line of the firmware's own output, for the tests that watch its log rather than
/// its API (the refused-configuration mode has no events to wait for; a switch restart is seen in
/// the log first). LabKit's <see cref="Firmware.WaitForEvent"/> is the way for everything else.
/// </summary>
internal static class FirmwareLog
{
    public static void WaitForLog(this Firmware firmware, string pattern, TimeSpan timeout, int occurrences = 1)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + timeout;
        while (regex.Matches(firmware.Log).Count < occurrences)
        {
            if (DateTime.UtcNow > deadline) throw new LabException($"the firmware did not log /{pattern}/ within {timeout.TotalSeconds} s:\n{firmware.LogTail(40)}");
            if (firmware.HasExited && regex.Matches(firmware.Log).Count < occurrences) throw new LabException($"the firmware exited before logging /{pattern}/:\n{firmware.LogTail(40)}");
            Thread.Sleep(20);
        }
    }
}
