namespace Appliance.Health;

/// <summary>Index and MAC of a local network interface, from sysfs.</summary>
public sealed record NetworkInterfaceInfo(string Name, int Index, MacAddress Mac)
{
    /// <summary>Reads <c>/sys/class/net/NAME</c>.</summary>
    /// <exception cref="InvalidOperationException">There is no such interface, or it has no Ethernet address.</exception>
    public static NetworkInterfaceInfo Read(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ArgumentException($"\"{name}\" is not an interface name", nameof(name));
        }
        string directory = Path.Combine("/sys/class/net", name);
        if (!Directory.Exists(directory))
        {
            throw new InvalidOperationException($"network interface {name} does not exist");
        }
        string index = File.ReadAllText(Path.Combine(directory, "ifindex")).Trim();
        string mac = File.ReadAllText(Path.Combine(directory, "address")).Trim();
        if (!MacAddress.TryParse(mac, out var address))
        {
            throw new InvalidOperationException($"network interface {name} has no Ethernet address (\"{mac}\")");
        }
        return new NetworkInterfaceInfo(name, int.Parse(index, System.Globalization.CultureInfo.InvariantCulture), address);
    }

    /// <summary>The interface's MAC now, or null while it does not exist (ovs-vswitchd is making its internal port anew).</summary>
    public static MacAddress? TryReadMac(string name)
    {
        try
        {
            return Read(name).Mac;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or FormatException)
        {
            return null;
        }
    }
}
