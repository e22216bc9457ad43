namespace Appliance.Integration.Tests;

/// <summary>Records what the channel reports, for tests to wait on.</summary>
internal sealed class ChannelRecorder : ISwitchHandler
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0);

    public List<SwitchSession> Connected { get; } = [];

    public List<PortStatus> PortStatuses { get; } = [];

    public List<(SwitchSession Session, string Reason)> Disconnected { get; } = [];

    public List<ErrorMsg> Errors { get; } = [];

    public void OnConnected(SwitchSession session) => Record(() => Connected.Add(session));

    public void OnPortStatus(SwitchSession session, in PortStatus status)
    {
        var copy = status;
        Record(() => PortStatuses.Add(copy));
    }

    public void OnPacketIn(SwitchSession session, in PacketIn packetIn)
    {
    }

    public void OnFlowRemoved(SwitchSession session, in FlowRemoved removed)
    {
    }

    public void OnUnsolicitedError(SwitchSession session, in ErrorMsg error)
    {
        var copy = error with { Data = error.Data.Detach() };
        Record(() => Errors.Add(copy));
    }

    public void OnDisconnected(SwitchSession session, string reason) => Record(() => Disconnected.Add((session, reason)));

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
