namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>The timers and limits of <see cref="LinkStateFlooding"/>.</summary>
public sealed record FloodingOptions
{
    /// <summary>How long to wait for an acknowledgement before sending an advertisement to a neighbour again (OSPF RxmtInterval).</summary>
    public TimeSpan RetransmitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a gateway re-issues its own advertisement unchanged but with a higher number (OSPF LSRefreshTime).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long after its origin issued it an advertisement is dropped unless replaced (OSPF
    /// MaxAge). Also how long the number of a dropped advertisement is remembered, so that an old
    /// copy still travelling cannot bring it back.
    /// </summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The least time between two issues of the gateway's own advertisement (OSPF MinLSInterval,
    /// RFC 2328 §12.4): a change sooner after the last issue waits for the interval to end, and
    /// all changes in between go out as one advertisement. Zero issues on every change.
    /// </summary>
    public TimeSpan MinOriginationInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The most origins the database holds, this gateway's own included: an advertisement from
    /// one more origin is refused (see <see cref="OriginRefused"/>), so that a peer inventing
    /// origins cannot exhaust memory.
    /// </summary>
    public int MaxOrigins { get; init; } = 4096;

    /// <summary>
    /// Throws unless every interval is positive (the minimum origination interval may be zero)
    /// and shorter than the refresh, a refresh comes before the max age, and the database has
    /// room for at least the gateway's own advertisement.
    /// </summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinOriginationInterval, TimeSpan.Zero, nameof(MinOriginationInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(MinOriginationInterval, RefreshInterval, nameof(MinOriginationInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOrigins, 1, nameof(MaxOrigins));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetransmitInterval, TimeSpan.Zero, nameof(RetransmitInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RefreshInterval, TimeSpan.Zero, nameof(RefreshInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAge, RefreshInterval, nameof(MaxAge));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxAge, TimeSpan.FromMilliseconds(uint.MaxValue), nameof(MaxAge));
    }
}
