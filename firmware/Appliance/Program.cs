using Appliance.Api;
using Appliance.Cli;
using Appliance.Config;

namespace Appliance;

internal static class Program
{
    /// <summary>Exit codes (docs/cli.md).</summary>
    internal static class Exit
    {
        public const int Ok = 0;
        public const int Unreachable = 1;
        public const int Invalid = 2;
        public const int Refused = 3;

        /// <summary><c>fault</c>: the configuration is valid again (appliance-fault.service then starts the firmware).</summary>
        public const int ValidAgain = 4;
    }

    public static async Task<int> Main(string[] args)
    {
        if (args is ["--help" or "-h" or "help"])
        {
            Console.WriteLine(CommandLine.Usage);
            return Exit.Ok;
        }
        if (args is ["--version"])
        {
            Console.WriteLine($"appliance {BuildInfo.Describe(BuildInfo.Version, BuildInfo.Commit)}");
            return Exit.Ok;
        }
        var command = CommandLine.Parse(args, out var error);
        if (command is null)
        {
            Console.Error.WriteLine($"appliance: {error}");
            Console.Error.WriteLine(CommandLine.Usage);
            return Exit.Invalid;
        }
        // The one verb for a configuration that does not load: it shows why.
        if (command.Verb == "fault") return await FaultCommand.RunAsync(command.ConfigPath).ConfigureAwait(false);
        ApplianceConfig config;
        try
        {
            config = ConfigLoader.Load(command.ConfigPath);
        }
        catch (ConfigException e)
        {
            // Nothing has touched the switch yet, and nothing will.
            Console.Error.WriteLine(e.Message);
            return Exit.Invalid;
        }
        return command.Verb switch
        {
            "check" => CheckCommand.Run(config, Console.Out),
            "status" => await ClientCommands.StatusAsync(config, command.Json, Console.Out).ConfigureAwait(false),
            "failback" => await ClientCommands.FailbackAsync(config, Console.Out).ConfigureAwait(false),
            "press" => await ClientCommands.PressAsync(config, command.Argument, Console.Out).ConfigureAwait(false),
            "config" => await ConfigCommand.RunAsync(config, command.Arguments, command.DryRun, Console.Out, Console.Error).ConfigureAwait(false),
            "notify" => await NotifyCommand.RunAsync(config, command.Argument, command.Json, Console.Out).ConfigureAwait(false),
            "update" => await UpdateCommand.RunAsync(config, command.Arguments, command.Json, command.Reboot, Console.Out, Console.Error).ConfigureAwait(false),
            _ => await RunCommand.RunAsync(config).ConfigureAwait(false),
        };
    }
}
