using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Appliance.Hosting;

/// <summary>
/// The firmware's one logging pipeline, for its own code and the API's ASP.NET Core host alike:
/// Microsoft.Extensions.Logging.Console on standard error (standard output is for what the verbs
/// print). Under systemd (JOURNAL_STREAM set) the systemd formatter writes each entry as one line
/// that starts with its syslog priority (<c>&lt;4&gt;</c>) and carries its exception on the same
/// line, so a stack trace is one journal entry at its own level; the journal adds the time. On a
/// terminal or into a file, one line per entry that starts with the time of day.
/// APPLIANCE_LOG (trace, debug, information, warning, error, critical) sets the minimum level.
/// </summary>
internal static class FirmwareLogging
{
    public static ILoggerFactory Create()
    {
        var minimum = Environment.GetEnvironmentVariable("APPLIANCE_LOG") is { } name && Enum.TryParse<LogLevel>(name, true, out var parsed) ? parsed : LogLevel.Information;
        var underJournal = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null;
        return LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(minimum);
            // ASP.NET Core's start-up lines (listening on, content root, …) say nothing an operator needs.
            logging.AddFilter("Microsoft", minimum > LogLevel.Warning ? minimum : LogLevel.Warning);
            logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            if (underJournal)
            {
                logging.AddSystemdConsole();
            }
            else
            {
                // The time first, then a space: tools/bench reads it with cut -d' ' -f1.
                logging.AddSimpleConsole(line =>
                {
                    line.SingleLine = true;
                    line.TimestampFormat = "HH:mm:ss.fff ";
                });
            }
        });
    }
}
