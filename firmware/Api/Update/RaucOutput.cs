using System.Globalization;
using System.Text.RegularExpressions;

namespace Appliance.Api;

/// <summary>
/// One line of what <c>rauc install</c> prints (RAUC 1.8): a step with the install's percentage (<c>" 40% Verifying
/// signature done."</c>), the reason of a failure (<c>"LastError: signature verification failed: …"</c>), or
/// nothing of use (<c>installing</c>, <c>idle</c>, the final <c>Installing `F` succeeded</c>, which the exit code tells).
/// </summary>
public readonly record struct RaucLine(int? Percent, string? Step, string? Error);

public static partial class RaucOutput
{
    /// <summary>What <paramref name="line"/> says; null for a line that tells nothing.</summary>
    public static RaucLine? Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (StepLine().Match(line) is { Success: true } step)
        {
            var percent = Math.Clamp(int.Parse(step.Groups[1].ValueSpan, CultureInfo.InvariantCulture), 0, 100);
            return new RaucLine(percent, step.Groups[2].Value.Trim(), null);
        }
        if (line.StartsWith("LastError: ", StringComparison.Ordinal) && line["LastError: ".Length..].Trim() is { Length: > 0 } error)
        {
            return new RaucLine(null, null, error);
        }
        return null;
    }

    /// <summary>
    /// The reason in what a failed <c>rauc info</c> or <c>rauc install</c> wrote on standard error: its last line that
    /// is not one of RAUC's log messages (<c>rauc-Message: …</c>, <c>(rauc:123): rauc-WARNING **: …</c>) or the final verdict.
    /// </summary>
    public static string? Reason(IEnumerable<string> errorLines)
    {
        ArgumentNullException.ThrowIfNull(errorLines);
        return errorLines.Select(l => l.Trim())
            .LastOrDefault(l => l.Length > 0 && !l.StartsWith("rauc-", StringComparison.Ordinal) && !l.StartsWith("(rauc:", StringComparison.Ordinal)
                && !l.StartsWith("Installing `", StringComparison.Ordinal));
    }

    /// <summary>The slot a step names (<c>Checking slot rootfs.1</c>, <c>Copying image to rootfs.1 done.</c>): where the update goes.</summary>
    public static string? TargetSlot(string step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return SlotStep().Match(step) is { Success: true } m ? m.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^\s*(\d{1,3})% (.*\S.*)$")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"^(?:Checking slot|Copying image to|Updating slot) (\S+?)(?: done\.| failed\.)?$")]
    private static partial Regex SlotStep();
}
