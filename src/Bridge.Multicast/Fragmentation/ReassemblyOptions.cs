namespace Bridge.Multicast.Fragmentation;

/// <summary>The bounds of a <see cref="Reassembler"/>: how much it may hold and for how long.</summary>
public sealed record ReassemblyOptions
{
    /// <summary>
    /// Bytes reserved for incomplete messages, all together. A message reserves its whole length
    /// at its first fragment; one longer than this is refused outright and reported lost as
    /// <see cref="ReassemblyLoss.TooLarge"/>.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Incomplete messages held at once.</summary>
    public int MaxPendingMessages { get; init; } = 1024;

    /// <summary>
    /// How long after its first fragment a message must be complete; after that it is lost. Also
    /// how long a message that ended (completed or lost) is remembered, so that its stragglers
    /// are dropped as late instead of starting a new reassembly.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Ended messages remembered at once. When more end within <see cref="Timeout"/>, the one that
    /// ended first is forgotten early, so memory stays bounded whatever peers send. An entry is
    /// the message's key: source id, sequence number and the group's name.
    /// </summary>
    public int MaxRememberedMessages { get; init; } = 4096;

    /// <summary>Throws when a bound is not positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is zero or negative.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedBytes, 1, nameof(MaxBufferedBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingMessages, 1, nameof(MaxPendingMessages));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRememberedMessages, 1, nameof(MaxRememberedMessages));
    }
}
