namespace Bridge.Multicast.Fragmentation;

/// <summary>The bounds of a <see cref="Reassembler"/>: how much it may hold and for how long.</summary>
public sealed record ReassemblyOptions
{
    /// <summary>
    /// Bytes reserved for incomplete messages, all together. A message reserves its whole length
    /// at its first fragment; one longer than this is refused outright.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Incomplete messages held at once.</summary>
    public int MaxPendingMessages { get; init; } = 1024;

    /// <summary>How long after its first fragment a message must be complete; after that it is lost.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Throws when a bound is not positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is zero or negative.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferedBytes, 1, nameof(MaxBufferedBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingMessages, 1, nameof(MaxPendingMessages));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
    }
}
