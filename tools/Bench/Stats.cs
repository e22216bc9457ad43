using System.Globalization;

namespace Appliance.Bench;

/// <summary>Summary figures of repeated measurements.</summary>
internal sealed record Stats(int Count, double Median, double Min, double Max, double Mean)
{
    public static Stats Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = values.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new Stats(sorted.Length, median, sorted[0], sorted[^1], sorted.Average());
    }

    public static string F(double value, string format = "0.0") =>
        double.IsNaN(value) ? "—" : value.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Where the benchmark ran: quoted beside every figure.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var ovs = Sh.Run("ovs-vswitchd", "--version").Output.Split('\n')[0].Trim();
        return $"{cpu}, {Environment.ProcessorCount} cores, {long.Parse(memKb, CultureInfo.InvariantCulture) / 1048576} GiB, Linux {Environment.OSVersion.Version}, {ovs} (userspace datapath), .NET {Environment.Version}";
    }
}
