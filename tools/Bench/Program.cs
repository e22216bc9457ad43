using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Appliance.Bench;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["codec", .. var rest]:
                var config = DefaultConfig.Instance.WithArtifactsPath(Environment.GetEnvironmentVariable("BENCH_ARTIFACTS") ?? "BenchmarkDotNet.Artifacts");
                BenchmarkRunner.Run<CodecBenchmarks>(config, rest);
                return 0;
            case ["failover", var runs, var output]:
                return await FailoverBench.RunAsync(int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture), output);
            default:
                Console.Error.WriteLine("usage: Appliance.Bench codec [BenchmarkDotNet options] | failover RUNS OUTPUT.md");
                return 2;
        }
    }
}
