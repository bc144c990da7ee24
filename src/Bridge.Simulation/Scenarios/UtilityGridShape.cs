namespace Bridge.Simulation.Scenarios;

/// <summary>
/// The shape of a <see cref="UtilityGrid"/>: how many provider and leaf gateways, how many
/// devices and where they sit, and how the links and domains behave.
/// </summary>
/// <remarks>
/// The defaults are the issue-11 scale: 1,000 gateways (the control centre's, 39 providers',
/// 960 leaves') and 1,000,000 devices, a tenth of them on the providers' own domains and the rest
/// behind the leaves. Domain sizes vary (each draws a weight from [0.5, 1.5)) and add up to
/// <see cref="Devices"/> exactly.
/// </remarks>
public sealed record UtilityGridShape
{
    /// <summary>Provider (transit) gateways with devices, besides the control centre's.</summary>
    public int Providers { get; init; } = 39;

    /// <summary>Leaf gateways, spread round-robin over the providers, one upstream each.</summary>
    public int Leaves { get; init; } = 960;

    /// <summary>Devices in all, on provider and leaf domains.</summary>
    public int Devices { get; init; } = 1_000_000;

    /// <summary>The share of <see cref="Devices"/> on the providers' own domains (the rest is behind the leaves).</summary>
    public double ProviderShare { get; init; } = 0.1;

    /// <summary>
    /// Provider domains (the first ones) with a second transit gateway, of lower election priority:
    /// a standby that hears the same domain, replies included, but is not designated.
    /// </summary>
    public int StandbyGateways { get; init; }

    /// <summary>Overlay links between transit gateways beyond the ring that joins them all, chosen at random.</summary>
    public int Chords { get; init; } = 40;

    /// <summary>Delay of a transit link is drawn uniformly from [min, max).</summary>
    public TimeSpan TransitDelayMin { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Delay of a transit link is drawn uniformly from [min, max).</summary>
    public TimeSpan TransitDelayMax { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Delay of the link from a leaf to its provider (an access line).</summary>
    public TimeSpan LeafDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How an overlay link with a given delay behaves; reliable and in order (TCP without loss) when null.</summary>
    public Func<TimeSpan, LinkConditions>? OverlayConditions { get; init; }

    /// <summary>How every domain's native multicast behaves.</summary>
    public LinkConditions Lan { get; init; } = new() { Delay = TimeSpan.FromMilliseconds(1) };

    /// <summary>A device answers within this long of hearing a request (its own delay, drawn once).</summary>
    public TimeSpan ReplySpread { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gateways learn members from member reports; off: every carried group is wanted and membership is not known.</summary>
    public bool LearnMembers { get; init; }

    /// <summary>Gateways in all: the control centre's, the providers' (standbys included) and the leaves'.</summary>
    public int Gateways => 1 + Providers + StandbyGateways + Leaves;

    /// <summary>Throws when the shape cannot be built.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Providers, 2, nameof(Providers));
        ArgumentOutOfRangeException.ThrowIfNegative(Leaves, nameof(Leaves));
        ArgumentOutOfRangeException.ThrowIfNegative(Devices, nameof(Devices));
        ArgumentOutOfRangeException.ThrowIfNegative(Chords, nameof(Chords));
        ArgumentOutOfRangeException.ThrowIfNegative(StandbyGateways, nameof(StandbyGateways));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StandbyGateways, Providers, nameof(StandbyGateways));
        if (!(ProviderShare is >= 0 and <= 1) || (Leaves == 0 && ProviderShare < 1 && Devices > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(ProviderShare), ProviderShare, "the share must lie in [0, 1], and be 1 without leaves");
        }

        if (TransitDelayMin <= TimeSpan.Zero || TransitDelayMax < TransitDelayMin || LeafDelay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TransitDelayMin), "link delays must be positive, min no more than max");
        }

        Lan.Validate();
    }
}
