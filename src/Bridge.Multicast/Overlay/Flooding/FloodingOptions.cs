namespace Bridge.Multicast.Overlay.Flooding;

/// <summary>The timers of <see cref="LinkStateFlooding"/>.</summary>
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

    /// <summary>Throws unless every interval is positive and a refresh comes before the max age.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetransmitInterval, TimeSpan.Zero, nameof(RetransmitInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RefreshInterval, TimeSpan.Zero, nameof(RefreshInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAge, RefreshInterval, nameof(MaxAge));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxAge, TimeSpan.FromMilliseconds(uint.MaxValue), nameof(MaxAge));
    }
}
