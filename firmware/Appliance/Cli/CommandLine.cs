using Appliance.Config;

namespace Appliance.Cli;

/// <summary><c>appliance [VERB] [--config PATH] [--json] [ARG]</c> (docs/cli.md).</summary>
internal sealed record CommandLine(string Verb, string ConfigPath, bool Json, string? Argument)
{
    public static readonly string[] Verbs = ["run", "check", "status", "failback", "press", "fault", "notify"];

    public static CommandLine? Parse(string[] args, out string? error)
    {
        error = null;
        string? verb = null;
        string? argument = null;
        var config = ConfigDefaults.ConfigPath;
        var json = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    config = args[++i];
                    break;
                case "--config":
                    error = "--config needs a path";
                    return null;
                case "--json":
                    json = true;
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal):
                    error = $"unknown option {a}";
                    return null;
                case var a when verb is null:
                    verb = a;
                    break;
                case var a when argument is null:
                    argument = a;
                    break;
                default:
                    error = $"unexpected argument {args[i]}";
                    return null;
            }
        }
        verb ??= "run";
        if (!Verbs.Contains(verb))
        {
            error = $"unknown verb {verb}";
            return null;
        }
        return new CommandLine(verb, config, json, argument);
    }

    public static string Usage =>
        $"""
        usage: appliance [VERB] [--config PATH]
               appliance --version
          run                 run the firmware in the foreground (default)
          check               validate the configuration and print the rules it would program
          status [--json]     ask the running firmware for its state (exit 1 when it does not answer)
          failback            return to the highest-priority healthy server (exit 3 when refused)
          press [short|long]  press the front-panel button through the API (as failback)
          notify test         send a test notification on every notify: channel (exit 3 when one fails)
          fault               while run refuses the configuration: fault LED, the reasons on the status
                              page; exit 4 once it is valid (systemd's appliance-fault.service)
        PATH defaults to {ConfigDefaults.ConfigPath}. --version prints the version and the commit it was built from.
        """;
}
