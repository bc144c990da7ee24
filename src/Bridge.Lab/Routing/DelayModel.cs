namespace Bridge.Lab.Routing;

/// <summary>
/// How link lengths become one-way propagation delays (docs/evaluation.md, "Delay model").
/// </summary>
/// <remarks>
/// Light in fibre covers about 200 km per ms (refractive index near 1.5). The topology files give
/// each backbone link's great-circle length, but fibre follows roads, railways and rights of way,
/// so it is longer than the straight line; <see cref="RouteFactor"/> scales for that. Its default
/// 1.5 is an assumption, not a measurement of DFN or GÉANT fibre: a round value within the range
/// of 1.2 to 2 that published comparisons of fibre routes with great-circle distances report. The
/// access link joins a node to its site's backbone router; its default of 2 ms stands for one way
/// across a fibre or cable last mile, and is a parameter like the route factor.
/// Delays are whole ticks (100 ns) and at least one tick, so sums of path delays are exact and
/// equal-delay paths compare equal (the router's tie-break relies on that). The floor matters for
/// DFN's five links of 0 km between co-located points of presence (Berlin, Hamburg): they cost
/// one tick, nothing measurable, yet a detour through them is never free.
/// </remarks>
public sealed record DelayModel
{
    /// <summary>Speed of light in fibre, km per ms.</summary>
    public const double FibreKmPerMs = 200;

    /// <summary>The default: route factor 1.5, access delay 2 ms.</summary>
    public static DelayModel Default { get; } = new();

    /// <summary>Fibre length over great-circle length; 1 means fibre runs straight.</summary>
    public double RouteFactor { get; init; } = 1.5;

    /// <summary>One-way delay of a node's access link to its site's backbone router.</summary>
    public TimeSpan AccessDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>The one-way propagation delay over a link of the given great-circle length.</summary>
    public TimeSpan Propagation(double km)
    {
        if (!double.IsFinite(km) || km < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(km), km, "a link's length must not be negative");
        }

        if (!double.IsFinite(RouteFactor) || RouteFactor < 1)
        {
            throw new InvalidOperationException($"{nameof(RouteFactor)} must be at least 1, is {RouteFactor}");
        }

        var ms = km * RouteFactor / FibreKmPerMs;
        return TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(ms * TimeSpan.TicksPerMillisecond, MidpointRounding.AwayFromZero)));
    }
}
