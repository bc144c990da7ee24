namespace Bridge.Adapters.Iec61850.Goose;

/// <summary>
/// The retransmission scheme of a GOOSE publisher (IEC 61850-8-1 §18.1, "transmission time for
/// events"): after a change, a repeat after <see cref="FirstInterval"/> (T1), then at doubling
/// intervals until they reach <see cref="Heartbeat"/> (T0), which then holds.
/// </summary>
public sealed record GooseRetransmissionOptions
{
    /// <summary>The defaults: T1 = 4 ms, T0 = 1 s, TAL = 2 × the interval to the next message.</summary>
    public static readonly GooseRetransmissionOptions Default = new();

    /// <summary>The interval from a state change to its first repeat (T1).</summary>
    public TimeSpan FirstInterval { get; init; } = TimeSpan.FromMilliseconds(4);

    /// <summary>The interval the repeats grow to and keep while nothing changes (T0).</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// timeAllowedtoLive written in each message, as a multiple of the interval until the
    /// next one: a subscriber that misses this many repeats declares the stream lost.
    /// </summary>
    public double TimeAllowedToLiveFactor { get; init; } = 2;

    /// <summary>A constant timeAllowedtoLive instead of the factor (as libiec61850 publishes), or null.</summary>
    public TimeSpan? FixedTimeAllowedToLive { get; init; }

    /// <summary>Throws naming the first option that makes no schedule.</summary>
    public void Validate()
    {
        if (FirstInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"FirstInterval must be positive, not {FirstInterval}");
        }

        if (Heartbeat < FirstInterval)
        {
            throw new ArgumentException($"Heartbeat ({Heartbeat}) must be at least FirstInterval ({FirstInterval})");
        }

        if (!(TimeAllowedToLiveFactor >= 1) || double.IsInfinity(TimeAllowedToLiveFactor))
        {
            throw new ArgumentException($"TimeAllowedToLiveFactor must be a finite number of at least 1, not {TimeAllowedToLiveFactor}");
        }

        if (FixedTimeAllowedToLive is { } fixedTal && (fixedTal <= TimeSpan.Zero || fixedTal.TotalMilliseconds > uint.MaxValue))
        {
            throw new ArgumentException($"FixedTimeAllowedToLive must be between 1 ms and 2^32 - 1 ms, not {fixedTal}");
        }
    }

    /// <summary>timeAllowedtoLive, in whole milliseconds (at least 1), for a message whose successor follows after <paramref name="interval"/>.</summary>
    public uint TimeAllowedToLiveFor(TimeSpan interval)
    {
        var tal = FixedTimeAllowedToLive ?? interval * TimeAllowedToLiveFactor;
        return (uint)Math.Clamp(Math.Ceiling(tal.TotalMilliseconds), 1, uint.MaxValue);
    }
}
