namespace Appliance.Controller.Tests;

/// <summary>The fake switch's meter table follows Open vSwitch's <c>handle_meter_mod</c>.</summary>
public sealed partial class FakeSwitchTests
{
    private static MeterMod Meter(OfpMeterModCommand command, uint id, uint rate = 200) =>
        new(command, OfpMeterFlags.Pktps | OfpMeterFlags.Burst, id, command == OfpMeterModCommand.Delete ? [] : [MeterBand.Drop(rate, 50)]);

    private static OfpErrorCode? ErrorOf(BatchResult result) => result.Errors.SingleOrDefault()?.Code;

    [TestMethod]
    public async Task MetersAreAddedModifiedAndDeletedWithTheSwitchsErrors()
    {
        var (fake, channel) = Connected();

        Assert.IsNull(ErrorOf(await Apply(channel, Meter(OfpMeterModCommand.Add, 2), Meter(OfpMeterModCommand.Add, 1))));
        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.MeterExists), ErrorOf(await Apply(channel, Meter(OfpMeterModCommand.Add, 1, rate: 300))));
        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.UnknownMeter), ErrorOf(await Apply(channel, Meter(OfpMeterModCommand.Modify, 3))));
        Assert.IsNull(ErrorOf(await Apply(channel, Meter(OfpMeterModCommand.Modify, 2, rate: 400))));
        Assert.IsNull(ErrorOf(await Apply(channel, Meter(OfpMeterModCommand.Delete, 9))), "deleting a missing meter is no error");

        CollectionAssert.AreEqual(
            new[] { new MeterConfig(OfpMeterFlags.Pktps | OfpMeterFlags.Burst, 1, [MeterBand.Drop(200, 50)]), new MeterConfig(OfpMeterFlags.Pktps | OfpMeterFlags.Burst, 2, [MeterBand.Drop(400, 50)]) },
            (await channel.ReadMeterConfigAsync()).ToArray());
        Assert.AreEqual("MeterConfig", string.Join(", ", fake.Reads.Select(r => r.Type)));

        await Apply(channel, Meter(OfpMeterModCommand.Delete, 1));
        Assert.AreEqual(2u, fake.Meters.Single().MeterId);
        await Apply(channel, Meter(OfpMeterModCommand.Delete, OfpMeter.All));
        Assert.IsEmpty(await channel.ReadMeterConfigAsync());
    }

    [TestMethod]
    public async Task MeterNumbersOutsideTheRangeAreInvalid()
    {
        var (fake, channel) = Connected();
        foreach (var id in new[] { 0u, OfpMeter.Max + 1, OfpMeter.All })
        {
            Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.InvalidMeter), ErrorOf(await Apply(channel, Meter(OfpMeterModCommand.Add, id))), $"meter {id:x}");
        }
        Assert.IsNull(ErrorOf(await Apply(channel, Meter(OfpMeterModCommand.Add, OfpMeter.Controller), Meter(OfpMeterModCommand.Add, OfpMeter.Max))));
        CollectionAssert.AreEqual(new[] { OfpMeter.Max, OfpMeter.Controller }, fake.Meters.Select(m => m.MeterId).ToArray());
    }

    [TestMethod]
    public async Task AMeterInstructionNeedsItsMeterAndGoesWithIt()
    {
        var (fake, channel) = Connected();
        var metered = Add(100, InPort(1), 0x801, InstructionList.Of(new MeterInstruction(1), new ApplyActionsInstruction(new OutputAction(2))));
        // A controller action's meter is not checked when the flow is added: OVS logs it and takes the flow.
        var reporting = Add(100, InPort(2), 0x802, InstructionList.Apply(new NxControllerAction(MaxLen: 128, MeterId: 1)));

        Assert.AreEqual(OfpErrorCode.Of(OfpMeterModFailedCode.InvalidMeter), ErrorOf(await Apply(channel, metered)));
        Assert.IsNull(ErrorOf(await Apply(channel, reporting)));
        Assert.IsTrue((await Apply(channel, Meter(OfpMeterModCommand.Add, 1), metered)).Succeeded);
        Assert.HasCount(2, fake.Flows);

        await Apply(channel, Meter(OfpMeterModCommand.Delete, 1));
        Assert.AreEqual(0x802UL, fake.Flows.Single().Cookie, "deleting the meter deleted the flow its instruction names");
    }

    [TestMethod]
    public async Task MetersAreLostWithTheTablesAndUnreadableOnAClosedChannel()
    {
        var (fake, channel) = Connected();
        await Apply(channel, Meter(OfpMeterModCommand.Add, 1));
        fake.LoseTables();
        Assert.IsEmpty(await channel.ReadMeterConfigAsync());
        channel.Close("gone");
        await Assert.ThrowsExactlyAsync<SwitchDisconnectedException>(() => channel.ReadMeterConfigAsync());
    }
}
