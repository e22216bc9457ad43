using System.Globalization;
using System.Net;

namespace LabTool;

/// <summary>Bad command line: reported as "labtool: message" with exit code 2.</summary>
sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Minimal "--name value" / "--flag" option reader. Every option must be consumed; leftovers are
/// reported so a typo never silently changes a benchmark.
/// </summary>
sealed class Options
{
    readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args, IReadOnlySet<string> flagNames)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var a = e.Current;
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
                throw new UsageException($"unexpected argument '{a}'");
            var eq = a.IndexOf('=');
            string name = eq > 0 ? a[2..eq] : a[2..];
            if (flagNames.Contains(name))
            {
                if (eq > 0) throw new UsageException($"--{name} takes no value");
                _flags.Add(name);
                continue;
            }
            string value;
            if (eq > 0) value = a[(eq + 1)..];
            else if (e.MoveNext()) value = e.Current;
            else throw new UsageException($"--{name} needs a value");
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            list.Add(value);
        }
    }

    public bool Flag(string name) { _used.Add(name); return _flags.Contains(name); }

    public string? Get(string name)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out var list)) return null;
        if (list.Count > 1) throw new UsageException($"--{name} given more than once");
        return list[0];
    }

    public IReadOnlyList<string> GetAll(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var list) ? list : [];
    }

    public string Require(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    public int Int(string name, int dflt, int min, int max)
    {
        var s = Get(name);
        if (s is null) return dflt;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new UsageException($"--{name} must be an integer from {min} to {max}, not '{s}'");
        return v;
    }

    public double Double(string name, double dflt, double min, double max)
    {
        var s = Get(name);
        if (s is null) return dflt;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new UsageException($"--{name} must be a number from {min} to {max}, not '{s}'");
        return v;
    }

    public TimeSpan Duration(string name, TimeSpan dflt)
    {
        var s = Get(name);
        return s is null ? dflt : ParseDuration(name, s);
    }

    /// <summary>Throws if an option was given that the verb never asked for.</summary>
    public void CheckAllUsed()
    {
        foreach (var n in _values.Keys.Concat(_flags))
            if (!_used.Contains(n)) throw new UsageException($"unknown option --{n}");
    }

    /// <summary>"20s", "500ms", "1.5s", "2m", or a plain number of seconds.</summary>
    public static TimeSpan ParseDuration(string name, string s)
    {
        var t = s.Trim();
        double scale = 1;
        if (t.EndsWith("ms", StringComparison.Ordinal)) { scale = 0.001; t = t[..^2]; }
        else if (t.EndsWith('s')) t = t[..^1];
        else if (t.EndsWith('m')) { scale = 60; t = t[..^1]; }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0 || double.IsInfinity(v))
            throw new UsageException($"--{name}: bad duration '{s}' (use e.g. 20s, 500ms, 2m)");
        return TimeSpan.FromSeconds(v * scale);
    }

    public static IPEndPoint ParseEndPoint(string name, string s, int defaultPort)
    {
        if (IPEndPoint.TryParse(s, out var ep) && ep.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            if (ep.Port == 0) ep.Port = defaultPort;
            return ep;
        }
        throw new UsageException($"--{name}: want IPv4:PORT, not '{s}'");
    }
}
