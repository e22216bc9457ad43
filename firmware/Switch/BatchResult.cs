namespace Appliance.Switch;

/// <summary>A message of a batch that the switch refused, and why.</summary>
public sealed record BatchError(int Index, IOfpMessage Message, OfpErrorCode Code, OfpBytes Quoted)
{
    public override string ToString() => $"message {Index} ({Message.Type}) refused: {Code}";
}

/// <summary>
/// The outcome of a barrier-confirmed batch: when it is known, the switch has processed every
/// message of the batch, and <see cref="Errors"/> lists the ones it refused.
/// </summary>
public sealed record BatchResult(int Count, IReadOnlyList<BatchError> Errors, TimeSpan Elapsed)
{
    public bool Succeeded => Errors.Count == 0;

    public override string ToString() => Succeeded
        ? $"{Count} messages applied in {Elapsed.TotalMilliseconds:0.0} ms"
        : $"{Errors.Count} of {Count} messages refused: {string.Join("; ", Errors)}";
}
