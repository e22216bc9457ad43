using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Appliance.Bench;

internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "codec")
        {
            Console.Error.WriteLine("usage: Appliance.Bench codec [BenchmarkDotNet options]");
            return 2;
        }
        var config = DefaultConfig.Instance.WithArtifactsPath(Environment.GetEnvironmentVariable("BENCH_ARTIFACTS") ?? "BenchmarkDotNet.Artifacts");
        BenchmarkRunner.Run<CodecBenchmarks>(config, args[1..]);
        return 0;
    }
}
