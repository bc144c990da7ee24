using Bridge.Multicast.Overlay.Gateway;

namespace Bridge.Multicast.Overlay.Links;

/// <summary>
/// The cost one overlay link advertises in the link-state, derived from its smoothed round-trip
/// time with hysteresis. Every re-advertisement moves trees everywhere, and frames in flight while
/// gateways disagree may miss a member; so jitter must not re-advertise. A cost changes only by
/// half or more and by at least <see cref="MinChangeMicroseconds"/>, and at most once per
/// hold-down, except that the first sample may replace the guess of
/// <see cref="UnmeasuredCostMicroseconds"/> at once (the size rule still applies). Only links between transit gateways
/// (<see cref="PeerKind.Gateway"/>) are in the link-state, so only they ever change their cost.
/// </summary>
/// <remarks>
/// Pure: time comes in as <c>now</c> (any monotonic clock, the driver's or the simulator's).
/// Call order: construct when the link comes up (its cost is then advertised), then
/// <see cref="TryUpdate"/> for every new smoothed round-trip time, from one thread.
/// </remarks>
public sealed class LinkCostHysteresis
{
    /// <summary>The smallest change of a link's cost that is re-advertised, in microseconds.</summary>
    public const uint MinChangeMicroseconds = 2000;

    /// <summary>The cost of a link before its first round-trip sample: 1 ms.</summary>
    public const uint UnmeasuredCostMicroseconds = 1000;

    /// <summary>A link that came up now, to a peer of <paramref name="kind"/>, with <paramref name="smoothed"/> measured so far (null: none yet).</summary>
    /// <param name="kind">What the peer is; only <see cref="PeerKind.Gateway"/> links re-advertise.</param>
    /// <param name="now">When the link came up.</param>
    /// <param name="smoothed">The link's smoothed round-trip time, if it has one.</param>
    /// <param name="holdDown">How long an advertised cost stays put after it changed; five seconds when null.</param>
    public LinkCostHysteresis(PeerKind kind, TimeSpan now, TimeSpan? smoothed, TimeSpan? holdDown = null)
    {
        Kind = kind;
        HoldDown = holdDown ?? TimeSpan.FromSeconds(5);
        ArgumentOutOfRangeException.ThrowIfLessThan(HoldDown, TimeSpan.Zero, nameof(holdDown));
        AdvertisedCost = CostOf(smoothed);
        ChangedAt = now;
    }

    /// <summary>What the peer is.</summary>
    public PeerKind Kind { get; }

    /// <summary>How long an advertised cost stays put after it changed.</summary>
    public TimeSpan HoldDown { get; }

    /// <summary>The cost advertised now, in microseconds.</summary>
    public uint AdvertisedCost { get; private set; }

    /// <summary>When <see cref="AdvertisedCost"/> was last set.</summary>
    public TimeSpan ChangedAt { get; private set; }

    /// <summary>Whether a round-trip sample came yet; the first is not held down.</summary>
    public bool Measured { get; private set; }

    /// <summary>A link's cost for a smoothed round-trip time: microseconds, at least 1; <see cref="UnmeasuredCostMicroseconds"/> without one.</summary>
    public static uint CostOf(TimeSpan? smoothed) =>
        smoothed is { } rtt ? (uint)Math.Clamp(rtt.Ticks / TimeSpan.TicksPerMicrosecond, 1, uint.MaxValue) : UnmeasuredCostMicroseconds;

    /// <summary>
    /// The link's smoothed round-trip time is now <paramref name="smoothed"/>: whether the cost is
    /// to be re-advertised, and then as <paramref name="cost"/> (also the new <see cref="AdvertisedCost"/>).
    /// </summary>
    public bool TryUpdate(TimeSpan now, TimeSpan smoothed, out uint cost)
    {
        cost = CostOf(smoothed);
        var old = AdvertisedCost;
        var change = cost > old ? cost - old : old - cost;
        var first = !Measured;
        Measured = true;
        if (Kind != PeerKind.Gateway || change < Math.Max(old / 2, MinChangeMicroseconds) || (!first && now - ChangedAt < HoldDown))
        {
            cost = old;
            return false;
        }

        AdvertisedCost = cost;
        ChangedAt = now;
        return true;
    }
}
