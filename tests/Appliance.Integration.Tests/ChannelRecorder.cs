namespace Appliance.Integration.Tests;

/// <summary>Records what the channel reports, for tests to wait on; the listener's channels are its sessions, kept as such.</summary>
internal sealed class ChannelRecorder : ISwitchHandler
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0);

    public List<SwitchSession> Connected { get; } = [];

    public List<PortStatus> PortStatuses { get; } = [];

    public List<(SwitchSession Session, string Reason)> Disconnected { get; } = [];

    public List<ErrorMsg> Errors { get; } = [];

    public void OnConnected(ISwitchChannel channel) => Record(() => Connected.Add((SwitchSession)channel));

    public void OnPortStatus(ISwitchChannel channel, in PortStatus status)
    {
        var copy = status;
        Record(() => PortStatuses.Add(copy));
    }

    public void OnPacketIn(ISwitchChannel channel, in PacketIn packetIn)
    {
    }

    public void OnFlowRemoved(ISwitchChannel channel, in FlowRemoved removed)
    {
    }

    public void OnUnsolicitedError(ISwitchChannel channel, in ErrorMsg error)
    {
        var copy = error with { Data = error.Data.Detach() };
        Record(() => Errors.Add(copy));
    }

    public void OnDisconnected(ISwitchChannel channel, string reason) => Record(() => Disconnected.Add(((SwitchSession)channel, reason)));

    private void Record(Action action)
    {
        lock (_lock) action();
        _signal.Release();
    }

    public async Task WaitForAsync(Func<ChannelRecorder, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_lock)
            {
                if (condition(this)) return;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            await _signal.WaitAsync(left);
        }
    }
}
