using Appliance.Config;

namespace Appliance.Cli;

/// <summary><c>appliance [VERB] [--config PATH] [--json] [--dry-run] [--reboot] [ARG...]</c> (docs/cli.md).</summary>
internal sealed record CommandLine(string Verb, string ConfigPath, bool Json, IReadOnlyList<string> Arguments, bool DryRun = false, bool Reboot = false)
{
    public static readonly string[] Verbs = ["run", "check", "status", "failback", "press", "fault", "config", "notify", "update"];

    /// <summary>The one argument of verbs that take one (press).</summary>
    public string? Argument => Arguments.Count > 0 ? Arguments[0] : null;

    public static CommandLine? Parse(string[] args, out string? error)
    {
        error = null;
        string? verb = null;
        var arguments = new List<string>();
        var config = ConfigDefaults.ConfigPath;
        var json = false;
        var dryRun = false;
        var reboot = false;
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
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--reboot":
                    reboot = true;
                    break;
                case var a when a.StartsWith("--", StringComparison.Ordinal):
                    error = $"unknown option {a}";
                    return null;
                case var a when verb is null:
                    verb = a;
                    break;
                // config set takes any number of KEY=VALUE; every other verb one argument at most.
                case var a when verb == "config" || arguments.Count == 0 || verb == "update" && arguments.Count == 1:
                    arguments.Add(a);
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
        if (dryRun && verb != "config")
        {
            error = "--dry-run is for config set and config apply";
            return null;
        }
        if (reboot && !(verb == "update" && arguments is ["install", ..]))
        {
            error = "--reboot is for update install";
            return null;
        }
        return new CommandLine(verb, config, json, arguments, dryRun, reboot);
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
          config get [KEY]    the running firmware's configuration file, or one key's value (servers.0.address)
          config set KEY=VALUE... [--dry-run]
                              change keys and apply: the errors as check prints them (exit 2), the rules
                              that change; exit 3 when the switch refused it and the previous file came back
          config apply FILE [--dry-run]
                              apply a whole file the same way; --dry-run only checks it against the running one
          update status [--json]
                              the system's version, its A/B slots, the update under way, the last trial boot
          update install FILE|URL [--reboot]
                              install a RAUC bundle into the other slot, with progress; exit 0 installed,
                              3 refused or failed; --reboot then reboots into it
          update reboot       reboot the box (into the slot an install made the next)
          update verify-boot  exit 0 when the running firmware serves: configuration taken, switch
                              connected and programmed, the active server healthy; else 1 and why
        PATH defaults to {ConfigDefaults.ConfigPath}. --version prints the version and the commit it was built from.
        """;
}
