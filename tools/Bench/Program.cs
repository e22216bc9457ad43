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
            case ["paper", var runs, var outputDir, var iperfSeconds]:
                return await PaperBench.RunAsync(int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture), outputDir, int.Parse(iperfSeconds, System.Globalization.CultureInfo.InvariantCulture));
            case ["compare", var runs, var outputDir]:
                return await CompareBench.RunAsync(int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture), outputDir);
            case ["connections", var runs, var connections, var outputDir]:
                return await ConnectionsBench.RunAsync(int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture), int.Parse(connections, System.Globalization.CultureInfo.InvariantCulture), outputDir);
            case ["passive", var runs, var outputDir]:
                return await PassiveBench.RunAsync(int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture), outputDir);
            case ["hostile", var output]:
                return await HostileBench.RunAsync(output);
            default:
                Console.Error.WriteLine("usage: Appliance.Bench codec [BenchmarkDotNet options] | failover RUNS OUTPUT.md | paper RUNS OUTDIR IPERF_SECONDS | compare RUNS OUTDIR | connections RUNS CONNECTIONS OUTDIR | passive RUNS OUTDIR | hostile OUTPUT.md");
                return 2;
        }
    }
}
