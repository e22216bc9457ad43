using System.Diagnostics;

namespace Appliance.Health.Tests;

/// <summary>
/// ArpResolver on a veth pair whose far end is in a namespace of its own (root needed). The
/// namespace and links are named it-… and removed after the test, whatever happened.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class ArpResolverTests
{
    private static readonly IPAddress Near = IPAddress.Parse("198.19.254.1");
    private static readonly IPAddress Far = IPAddress.Parse("198.19.254.2");
    private static readonly MacAddress FarMac = MacAddress.Parse("02:00:c6:13:fe:02");

    private readonly string _namespace = $"it-n{Random.Shared.Next(0x10000):x4}";
    private readonly string _near = $"it-a{Random.Shared.Next(0x10000):x4}";
    private readonly string _far = $"it-b{Random.Shared.Next(0x10000):x4}";

    [TestInitialize]
    public void MakeNamespace() => Sh.Check("ip", "netns", "add", _namespace);

    [TestCleanup]
    public void RemoveEverything()
    {
        Sh.Try("ip", "link", "del", _near);
        Sh.Try("ip", "netns", "del", _namespace);
    }

    [TestMethod]
    public async Task ResolvesAndKeepsWorkingWhenTheInterfaceIsMadeAgain()
    {
        MakePair();
        await using var resolver = ArpResolver.Open(_near, Near);
        int index = resolver.Interface.Index;
        Assert.AreEqual(MacAddress.Parse("02:00:c6:13:fe:01"), resolver.Interface.Mac);
        Assert.AreEqual(FarMac, await resolver.ResolveAsync(Far));

        // What a restarted ovs-vswitchd does to a userspace bridge's internal port.
        Sh.Check("ip", "link", "del", _near);
        Assert.IsNull(await resolver.ResolveAsync(Far, TimeSpan.FromMilliseconds(200)));
        MakePair();

        var clock = Stopwatch.StartNew();
        MacAddress? mac = null;
        while (mac is null && clock.Elapsed < TimeSpan.FromSeconds(5)) mac = await resolver.ResolveAsync(Far, TimeSpan.FromMilliseconds(300));
        Console.WriteLine($"resolving again {clock.ElapsedMilliseconds} ms after the interface came back");
        Assert.AreEqual(FarMac, mac);
        Assert.AreNotEqual(index, resolver.Interface.Index);
    }

    [TestMethod]
    public async Task ProbeReportsTheMacAndFailsWhileTheFarEndIsDown()
    {
        MakePair();
        await using var probe = new ArpProbe(ArpResolver.Open(_near, Near), ownsResolver: true);
        var target = new ServerTarget("far", Far);

        var first = await probe.ProbeAsync(target, TcpProbeTests.Deadline(TimeSpan.FromSeconds(1)));
        var second = await probe.ProbeAsync(target, TcpProbeTests.Deadline(TimeSpan.FromSeconds(1)));
        Sh.Check("ip", "-n", _namespace, "link", "set", _far, "down");
        var third = await probe.ProbeAsync(target, TcpProbeTests.Deadline(TimeSpan.FromMilliseconds(100)));
        Sh.Check("ip", "-n", _namespace, "link", "set", _far, "up");
        var fourth = await probe.ProbeAsync(target, TcpProbeTests.Deadline(TimeSpan.FromSeconds(1)));

        Assert.IsTrue(first.Healthy && second.Healthy && fourth.Healthy, $"{first.Detail}; {second.Detail}; {fourth.Detail}");
        Assert.AreEqual(FarMac, second.Mac);
        Assert.AreEqual($"ARP reply from {FarMac}", second.Detail);
        Assert.IsFalse(third.Healthy);
        Assert.AreEqual(ProbeDetails.NoArpReply, third.Detail);
    }

    [TestMethod]
    public async Task AnAnnouncementFromTheFarEndIsHeardWithItsNewMac()
    {
        MakePair();
        await using var resolver = ArpResolver.Open(_near, Near);
        var heard = new System.Collections.Concurrent.ConcurrentQueue<(IPAddress Sender, MacAddress Mac)>();
        resolver.Heard += (sender, mac) => heard.Enqueue((sender, mac));
        var replaced = MacAddress.Parse("02:00:c6:13:fe:72");

        // A replaced NIC announces itself (gratuitous ARP); nobody asked.
        Sh.Check("ip", "-n", _namespace, "link", "set", _far, "address", replaced.ToString());
        Sh.Run("ip", "netns", "exec", _namespace, "arping", "-U", "-c", "1", "-i", _far, "-S", Far.ToString(), Far.ToString());

        var clock = Stopwatch.StartNew();
        while (!heard.Contains((Far, replaced)) && clock.Elapsed < TimeSpan.FromSeconds(3)) await Task.Delay(20);
        CollectionAssert.Contains(heard.ToArray(), (Far, replaced), string.Join(", ", heard));
    }

    [TestMethod]
    public void AMissingInterfaceIsNamedInTheError()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ArpResolver.Open("it-nothing", Near));
        StringAssert.Contains(e.Message, "it-nothing does not exist");
    }

    private void MakePair()
    {
        Sh.Check("ip", "link", "add", _near, "address", "02:00:c6:13:fe:01", "type", "veth", "peer", "name", _far, "address", FarMac.ToString());
        Sh.Check("ip", "link", "set", _far, "netns", _namespace);
        Sh.Check("ip", "-n", _namespace, "addr", "add", $"{Far}/30", "dev", _far);
        Sh.Check("ip", "-n", _namespace, "link", "set", _far, "up");
        Sh.Check("ip", "addr", "add", $"{Near}/30", "dev", _near);
        Sh.Check("ip", "link", "set", _near, "up");
    }
}
