using Microsoft.Extensions.Logging;

namespace Appliance.Hosting;

/// <summary>
/// Logs to standard error, one line per entry. Under systemd (JOURNAL_STREAM set) each line starts
/// with its syslog priority (<c>&lt;4&gt;</c>) so the journal files it at the right level and adds its
/// own timestamps; on a terminal, lines carry the time.
/// </summary>
public sealed class ConsoleLog(LogLevel minimum) : ILoggerProvider
{
    private static readonly bool UnderJournal = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null;
    private static readonly Lock WriteLock = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName[(categoryName.LastIndexOf('.') + 1)..], minimum);

    public void Dispose()
    {
    }

    public static ILoggerFactory CreateFactory(LogLevel minimum) => LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(new ConsoleLog(minimum)));

    private sealed class Logger(string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception is not null) message += $": {exception}";
            var line = UnderJournal
                ? $"<{Priority(logLevel)}>{category}: {message}"
                : $"{DateTime.Now:HH:mm:ss.fff} {Tag(logLevel)} {category}: {message}";
            lock (WriteLock) Console.Error.WriteLine(line);
        }

        private static int Priority(LogLevel level) => level switch
        {
            LogLevel.Critical => 2,
            LogLevel.Error => 3,
            LogLevel.Warning => 4,
            LogLevel.Information => 6,
            _ => 7,
        };

        private static string Tag(LogLevel level) => level switch
        {
            LogLevel.Critical => "CRIT",
            LogLevel.Error => "ERROR",
            LogLevel.Warning => "WARN",
            LogLevel.Information => "INFO",
            _ => "DEBUG",
        };
    }
}
