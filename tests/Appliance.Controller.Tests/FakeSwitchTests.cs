using System.Net;

namespace Appliance.Controller.Tests;

/// <summary>The fake switch keeps its tables as Open vSwitch does; the controller's tests rely on it.</summary>
[TestClass]
public sealed partial class FakeSwitchTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private static readonly IPAddress Vip = IPAddress.Parse("198.18.0.100");

    private readonly FakeTimeProvider _time = new();
    private readonly Handler _handler = new();

    private static FlowMod Add(ushort priority, Match match, ulong cookie, InstructionList instructions, byte table = 0) => new()
    {
        TableId = table, Priority = priority, Match = match, Cookie = cookie, Instructions = instructions, Command = OfpFlowModCommand.Add,
    };

    private static InstructionList Output(uint port) => InstructionList.Apply(new OutputAction(port));

    private static InstructionList ToGroup(uint group) => InstructionList.Apply(new GroupAction(group));

    private static GroupMod Group(OfpGroupModCommand command, uint group, params uint[] watchPorts) =>
        new(command, OfpGroupType.FastFailover, group, [.. watchPorts.Select(p => new Bucket(ActionList.Of(new OutputAction(p)), WatchPort: p))]);

    private static Match InPort(uint port) => Match.Of(OxmField.InPort(port));

    private (FakeSwitch Switch, FakeSwitchChannel Channel) Connected()
    {
        var fake = new FakeSwitch(_time, 1, 2);
        return (fake, fake.Connect(_handler));
    }

    private static async Task<BatchResult> Apply(FakeSwitchChannel channel, params IOfpMessage[] messages) => await channel.ApplyAsync(messages);

    [TestMethod]
    public async Task AddReplacesTheEntryWithTheSameTablePriorityAndMatchCookieAndInstructionsIncluded()
    {
        var (fake, channel) = Connected();
        var match = Match.Of(OxmField.EthType(0x0800), OxmField.Ipv4Dst(Vip));
        var reordered = Match.Of(OxmField.Ipv4Dst(Vip), OxmField.EthType(0x0800));
        var result = await Apply(channel, Add(800, match, 0x301, Output(1)), Add(800, reordered, 0x302, Output(2)), Add(700, match, 0x303, Output(1)), Add(800, match, 0x304, Output(1), table: 1));

        Assert.IsTrue(result.Succeeded, result.ToString());
        Assert.HasCount(3, fake.Flows);
        var replaced = fake.Flows.Single(f => f.TableId == 0 && f.Priority == 800);
        Assert.AreEqual(0x302UL, replaced.Cookie);
        Assert.AreEqual(Output(2), replaced.Instructions);
    }

    [TestMethod]
    public async Task DeleteStrictRemovesExactlyThatEntry()
    {
        var (fake, channel) = Connected();
        await Apply(channel, Add(100, InPort(1), 1, Output(2)), Add(200, InPort(1), 2, Output(2)), Add(100, Match.Of(OxmField.InPort(1), OxmField.EthType(0x0806)), 3, Output(2)));

        var result = await Apply(channel, new FlowMod { Command = OfpFlowModCommand.DeleteStrict, Priority = 100, Match = InPort(1) });

        Assert.IsTrue(result.Succeeded);
        CollectionAssert.AreEquivalent(new ulong[] { 2, 3 }, fake.Flows.Select(f => f.Cookie).ToArray());
    }

    [TestMethod]
    public async Task DeleteSelectsByTableCookieMaskAndAWiderMatch()
    {
        var (fake, channel) = Connected();
        await Apply(channel,
            Add(100, InPort(1), 0x601, Output(1), table: 2), Add(100, InPort(2), 0x602, Output(2), table: 2),
            Add(100, InPort(1), 0x701, Output(1)), Add(0, Match.Any, 0xf00, Output(OfpPort.Normal)));

        await Apply(channel, new FlowMod { Command = OfpFlowModCommand.Delete, TableId = OfpTable.All, Cookie = 0x600, CookieMask = 0xf00 });
        CollectionAssert.AreEquivalent(new ulong[] { 0x701, 0xf00 }, fake.Flows.Select(f => f.Cookie).ToArray());

        await Apply(channel, new FlowMod { Command = OfpFlowModCommand.Delete, TableId = 0, Match = InPort(1) });
        CollectionAssert.AreEquivalent(new ulong[] { 0xf00 }, fake.Flows.Select(f => f.Cookie).ToArray(), "a match selects the flows at least as narrow");
    }

    [TestMethod]
    public async Task AFlowThatSendsToAMissingGroupIsRefused()
    {
        var (fake, channel) = Connected();

        var result = await Apply(channel, Add(800, InPort(1), 0x301, ToGroup(1)));

        Assert.AreEqual(OfpErrorCode.Of(OfpBadActionCode.BadOutGroup), result.Errors.Single().Code);
        Assert.IsEmpty(fake.Flows);
    }

    [TestMethod]
    public async Task GroupAddOfAnExistingGroupAndModifyOfAMissingOneFail()
    {
        var (fake, channel) = Connected();

        var result = await Apply(channel, Group(OfpGroupModCommand.Add, 1, 1, 2), Group(OfpGroupModCommand.Add, 1, 2), Group(OfpGroupModCommand.Modify, 2, 1));

        Assert.AreEqual("1 GroupModFailed.GroupExists, 2 GroupModFailed.UnknownGroup", string.Join(", ", result.Errors.Select(e => $"{e.Index} {e.Code}")));
        CollectionAssert.AreEqual(new uint[] { 1, 2 }, fake.Groups.Single().Buckets.Select(b => b.WatchPort).ToArray(), "the first ADD stands");
    }

    [TestMethod]
    public async Task GroupDeleteTakesTheFlowsThatUseItAlong()
    {
        var (fake, channel) = Connected();
        await Apply(channel, Group(OfpGroupModCommand.Add, 1, 1, 2), Group(OfpGroupModCommand.Add, 2, 2), Add(800, InPort(1), 0x301, ToGroup(1)),
            Add(800, InPort(2), 0x302, ToGroup(2)), Add(0, Match.Any, 0xf00, Output(OfpPort.Normal)));

        var result = await Apply(channel, new GroupMod(OfpGroupModCommand.Delete, OfpGroupType.FastFailover, 1, []), new GroupMod(OfpGroupModCommand.Delete, OfpGroupType.All, 7, []));

        Assert.IsTrue(result.Succeeded, "deleting a group that does not exist is no error");
        Assert.AreEqual(2U, fake.Groups.Single().GroupId);
        CollectionAssert.AreEquivalent(new ulong[] { 0x302, 0xf00 }, fake.Flows.Select(f => f.Cookie).ToArray());
    }

    [TestMethod]
    public async Task ABatchIsAppliedInOrderAndEveryRefusalIsReported()
    {
        var (fake, channel) = Connected();
        fake.Refuse(m => m is FlowMod { Cookie: 0x702 }, OfpErrorCode.Of(OfpFlowModFailedCode.TableFull));
        IOfpMessage[] batch = [Add(800, InPort(1), 0x301, ToGroup(1)), Group(OfpGroupModCommand.Add, 1, 1), Add(800, InPort(1), 0x301, ToGroup(1)), Add(700, InPort(2), 0x702, Output(1)), Add(700, InPort(3), 0x703, Output(1))];

        var result = await Apply(channel, batch);

        Assert.AreEqual("0 BadAction.BadOutGroup, 3 FlowModFailed.TableFull", string.Join(", ", result.Errors.Select(e => $"{e.Index} {e.Code}")));
        Assert.AreSame(batch[3], result.Errors[1].Message);
        Assert.AreEqual(new OfpBytes(OfpCodec.Encode(batch[3], 4)), result.Errors[1].Quoted, "the refusal quotes the message");
        CollectionAssert.AreEquivalent(new ulong[] { 0x301, 0x703 }, fake.Flows.Select(f => f.Cookie).ToArray(), "the group made the later ADD valid; messages after a refusal still apply");
        Assert.AreEqual(5, fake.Batches.Single().Messages.Count);

        fake.StopRefusing();
        Assert.IsTrue((await Apply(channel, batch[3])).Succeeded);
    }

    [TestMethod]
    public async Task ReadsAnswerFromTheTablesWithFieldsInTheSwitchsOwnOrder()
    {
        var (fake, channel) = Connected();
        var match = Match.Of(OxmField.InPort(1), OxmField.EthType(0x0806), OxmField.ArpSpa(Vip));
        await Apply(channel, Group(OfpGroupModCommand.Add, 1, 1, 2), Add(1100, match, 0x201, InstructionList.Empty), Add(0, Match.Any, 0xf01, Output(OfpPort.Normal), table: 1));

        var flows = await channel.ReadFlowStatsAsync(FlowStatsRequest.All);
        var table1 = await channel.ReadFlowStatsAsync(new FlowStatsRequest(new FlowSelector { TableId = 1 }));
        var groups = await channel.ReadGroupDescAsync();

        var read = flows.Single(f => f.Cookie == 0x201);
        Assert.AreEqual(match, read.Match);
        Assert.AreEqual("arp_spa=198.18.0.100,eth_type=0x806,in_port=1", read.Match.ToString());
        Assert.AreEqual(0xf01UL, table1.Single().Cookie);
        Assert.AreEqual(Group(OfpGroupModCommand.Add, 1, 1, 2).Buckets, groups.Single().Buckets);
        Assert.AreEqual("Flow, Flow, GroupDesc", string.Join(", ", fake.Reads.Select(r => r.Type)));
    }

    [TestMethod]
    public async Task StalledRequestsWaitUntilResumedAndAreThenProcessedInOrder()
    {
        var (fake, channel) = Connected();
        fake.Stall();
        var group = channel.ApplyAsync([Group(OfpGroupModCommand.Add, 1, 1)]);
        var flow = channel.ApplyAsync([Add(800, InPort(1), 0x301, ToGroup(1))]);
        var read = channel.ReadFlowStatsAsync(FlowStatsRequest.All);
        await fake.RequestHeld.WaitAsync(Guard);

        Assert.IsFalse(group.IsCompleted || flow.IsCompleted || read.IsCompleted);
        Assert.IsEmpty(fake.Groups, "nothing is applied while stalled");
        Assert.HasCount(2, fake.Batches, "but it is received");

        fake.Resume();

        Assert.IsTrue((await group.WaitAsync(Guard)).Succeeded);
        Assert.IsTrue((await flow.WaitAsync(Guard)).Succeeded, "the group came first");
        Assert.AreEqual(0x301UL, (await read.WaitAsync(Guard)).Single().Cookie);
        Assert.IsFalse(channel.IsClosed);
    }

    [TestMethod]
    public async Task ARequestUnansweredForTheTimeoutClosesTheChannelLikeADeadSession()
    {
        var (fake, channel) = Connected();
        fake.Stall();
        var batch = channel.ApplyAsync([Group(OfpGroupModCommand.Add, 1, 1)]);
        await fake.RequestHeld.WaitAsync(Guard);

        _time.Advance(fake.RequestTimeout - TimeSpan.FromMilliseconds(1));
        Assert.IsFalse(batch.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsExactlyAsync<SwitchDisconnectedException>(() => batch.WaitAsync(Guard));
        StringAssert.Contains(await channel.Closed.WaitAsync(Guard), $"no answer within {fake.RequestTimeout.TotalSeconds:0.#} s");
        Assert.AreSame(channel, _handler.Disconnected.Single());
        await Assert.ThrowsExactlyAsync<SwitchDisconnectedException>(() => channel.ReadGroupDescAsync());
        fake.Resume();
        Assert.IsEmpty(fake.Groups, "what a dead channel left unanswered is not applied later");
    }

    [TestMethod]
    public async Task ClosingFailsWhatStillWaits()
    {
        var (fake, channel) = Connected();
        fake.Stall();
        var read = channel.ReadGroupDescAsync();

        channel.Close("connection closed by the switch");

        var failure = await Assert.ThrowsExactlyAsync<SwitchDisconnectedException>(() => read.WaitAsync(Guard));
        StringAssert.Contains(failure.Message, "connection closed by the switch");
    }

    [TestMethod]
    public async Task ANewConnectionReplacesTheOldOneAndTheTablesOutliveIt()
    {
        var (fake, first) = Connected();
        await Apply(first, Group(OfpGroupModCommand.Add, 1, 1));

        var second = fake.Connect(_handler);

        Assert.IsTrue(first.IsClosed);
        Assert.AreEqual(first.Id + 1, second.Id);
        CollectionAssert.AreEqual(new ISwitchChannel[] { first, second }, _handler.Connected);
        Assert.AreSame(first, _handler.Disconnected.Single());
        Assert.HasCount(1, await second.ReadGroupDescAsync());
        fake.LoseTables();
        Assert.IsEmpty(await second.ReadGroupDescAsync());
    }

    [TestMethod]
    public void ALinkChangeUpdatesThePortsThenSendsPortStatus()
    {
        var (fake, channel) = Connected();

        fake.SetLink(2, up: false);

        var status = _handler.PortStatuses.Single();
        Assert.AreEqual(2U, status.Desc.PortNo);
        Assert.IsFalse(status.Desc.IsLive);
        Assert.IsFalse(channel.Ports[2].IsLive);
        Assert.IsTrue(channel.Ports[1].IsLive);
    }

    /// <summary>Records what the fake tells its handler; the fake calls it on the test's own thread or a timer's.</summary>
    private sealed class Handler : ISwitchHandler
    {
        public List<ISwitchChannel> Connected { get; } = [];

        public List<ISwitchChannel> Disconnected { get; } = [];

        public List<PortStatus> PortStatuses { get; } = [];

        public void OnConnected(ISwitchChannel channel) => Connected.Add(channel);

        public void OnPortStatus(ISwitchChannel channel, in PortStatus status) => PortStatuses.Add(status);

        public void OnPacketIn(ISwitchChannel channel, in PacketIn packetIn)
        {
        }

        public void OnFlowRemoved(ISwitchChannel channel, in FlowRemoved removed)
        {
        }

        public void OnUnsolicitedError(ISwitchChannel channel, in ErrorMsg error)
        {
        }

        public void OnDisconnected(ISwitchChannel channel, string reason) => Disconnected.Add(channel);
    }
}
