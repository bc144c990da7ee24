namespace Bridge.Multicast.Endpoint.Reliability;

/// <summary>
/// How a reliable group asks for and answers repairs (docs/reliability.md). The defaults suit a
/// LAN or an access network with round trips of tens of milliseconds.
/// </summary>
public sealed record ReliableGroupOptions
{
    /// <summary>
    /// A receiver waits a random time up to this before NACKing a gap, so that of many receivers
    /// sharing a loss the first one's NACK (multicast) or the source's confirmation silences the
    /// rest (RFC 3208 §9.3's NAK_RB_IVL).
    /// </summary>
    public TimeSpan NackBackoff { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>After a NACK, or a NACK or confirmation heard for the same numbers, how long a receiver waits for the repair before asking again (NAK_RDATA_IVL).</summary>
    public TimeSpan RepairWait { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many NACKs a receiver sends for one number before it reports it lost as "no answer" (NAK_NCF_RETRIES).</summary>
    public int MaxNackTries { get; init; } = 6;

    /// <summary>The sender's repair cache holds at most this many bytes of frames per group.</summary>
    public long CacheMaxBytes { get; init; } = 4 << 20;

    /// <summary>The sender's repair cache forgets a message this long after sending it; keep it below the replay window's age on secured groups.</summary>
    public TimeSpan CacheMaxAge { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The sender gathers NACKs for one number this long before it repairs, so one repair serves all who asked (and goes by multicast when more than one did).</summary>
    public TimeSpan RepairHoldoff { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>A number repaired is not repaired again for this long: NACKs that crossed the repair are answered by it.</summary>
    public TimeSpan RepairHolddown { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// After its last message the sender announces its newest number at this interval, doubled
    /// from <see cref="StatusFirstInterval"/>, so a receiver sees loss at the tail of a burst (RFC 3208 §5.1.1's ambient SPMs).
    /// </summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The first status announcement after a message.</summary>
    public TimeSpan StatusFirstInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The most numbers a receiver tracks as missing per source; a larger jump is reported lost as "too far behind" beyond it.</summary>
    public int MaxMissing { get; init; } = 4096;

    /// <summary>
    /// A repair that one receiver alone asked for goes to it alone (<see cref="Transmit.UnicastTo"/>).
    /// Receivers silenced by that NACK who miss the same number ask again after their repair wait,
    /// and that repair then goes to the group: a shared loss costs one round more than with this off,
    /// a receiver-local loss does not bother the other members.
    /// </summary>
    public bool UnicastSingleRequests { get; init; } = true;

    /// <summary>Deliver each source's messages in sequence order, holding those after a gap until it is repaired or reported lost.</summary>
    public bool InOrder { get; init; }

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(NackBackoff, TimeSpan.Zero, nameof(NackBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RepairWait, TimeSpan.Zero, nameof(RepairWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNackTries, 1, nameof(MaxNackTries));
        ArgumentOutOfRangeException.ThrowIfLessThan(CacheMaxBytes, 0, nameof(CacheMaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CacheMaxAge, TimeSpan.Zero, nameof(CacheMaxAge));
        ArgumentOutOfRangeException.ThrowIfLessThan(RepairHoldoff, TimeSpan.Zero, nameof(RepairHoldoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(RepairHolddown, TimeSpan.Zero, nameof(RepairHolddown));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StatusFirstInterval, TimeSpan.Zero, nameof(StatusFirstInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(StatusInterval, StatusFirstInterval, nameof(StatusInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMissing, 1, nameof(MaxMissing));
    }
}
