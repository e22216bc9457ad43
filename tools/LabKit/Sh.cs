using System.Diagnostics;

namespace Appliance.LabKit;

/// <summary>Runs host commands for the tests: the real tools an operator would use.</summary>
public static class Sh
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}{Error}";
    }

    public static string RepositoryRoot { get; } = FindRoot();

    public static Result Run(string file, params string[] args) => RunAsync(file, args).GetAwaiter().GetResult();

    public static async Task<Result> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot,
        };
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin:/sbin";
        // What the tests start, they may kill; a killed .NET process leaves its diagnostic socket in /tmp.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Runs a command that must succeed.</summary>
    public static string Check(string file, params string[] args)
    {
        var result = Run(file, args);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result}");
        return result.Output;
    }

    /// <summary>Runs a command whose failure does not matter (clean-up of what may not exist).</summary>
    public static void Try(string file, params string[] args) => Run(file, args);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Appliance.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("test binaries are not inside the repository");
    }
}
